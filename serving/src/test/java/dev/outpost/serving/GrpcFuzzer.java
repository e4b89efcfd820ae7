package dev.outpost.serving;

import static dev.outpost.serving.Fuzzing.flipBits;
import static dev.outpost.serving.Fuzzing.pick;
import static dev.outpost.serving.Fuzzing.randomBytes;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.outpost.serving.proto.GrpcService.InferParameter;
import dev.outpost.serving.proto.GrpcService.InferTensorContents;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Makes up gRPC calls for {@link FuzzTest}: valid {@code ModelInfer} messages (raw_input_contents and
 * typed contents), mutations of their fields (shapes, datatypes, contents and their counts, names,
 * duplicate and missing inputs, outputs, parameters, BYTES lengths), damaged wire bytes (truncated,
 * bit flips, random bytes, unknown fields), messages over the size limit, and the metadata and
 * readiness RPCs for known and unknown models. Every choice comes from the {@link Random} passed in.
 */
final class GrpcFuzzer {

    /** Which RPC a call uses. */
    enum Rpc {
        /** ModelInfer through the generated stub. */
        INFER,
        /** ModelInfer with the message as raw bytes (so that malformed protobuf can be sent). */
        INFER_BYTES,
        /** ModelMetadata. */
        METADATA,
        /** ModelReady. */
        READY
    }

    /**
     * A gRPC call and what it must get.
     *
     * @param message the ModelInfer message (INFER); for METADATA and READY only its model name and version count
     * @param wire the bytes to send (INFER_BYTES)
     * @param expected the status code it must get; null: any client-error code or OK
     * @param sample for a valid inference, the sample it must answer for
     */
    record Call(String kind, Rpc rpc, ModelInferRequest message, byte[] wire, Status.Code expected,
                FuzzSample sample) {

        /** The call for an assertion message. */
        String describe() {
            String text = rpc == Rpc.INFER_BYTES ? wire.length + " wire bytes " + hex(wire)
                    : message.toString().replaceAll("\\s+", " ");
            return kind + " " + rpc + " expected " + expected + ": "
                    + (text.length() > 400 ? text.substring(0, 400) + "..." : text);
        }

        private static String hex(byte[] bytes) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < Math.min(bytes.length, 120); i++) {
                out.append(String.format("%02x", bytes[i]));
            }
            return out.toString();
        }
    }

    private static final List<String> DATATYPES = List.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8",
            "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES", "BF16", "fp32", "", "STRING", "FP32 ",
            "\u2603");
    private static final List<long[]> SHAPES = List.of(new long[0], new long[] {0}, new long[] {-1}, new long[] {4},
            new long[] {5}, new long[] {784}, new long[] {1, 1, 28, 28}, new long[] {1, 1, 28, 27},
            new long[] {2147483648L}, new long[] {Long.MAX_VALUE}, new long[] {Long.MIN_VALUE},
            new long[] {-1, -1}, new long[] {4294967296L, 4294967296L}, new long[] {100_000_000},
            new long[] {268_435_456}, new long[] {1_073_741_824}, new long[] {1, 1, 100_000, 100_000},
            new long[] {0, Long.MAX_VALUE}, new long[] {2, 2});
    private static final List<String> NAMES = List.of("", " ", "x", "y", "Input3", "text", "echo", "nope",
            "\u0000", "\u2603", "z".repeat(2000));
    private static final List<String> UNKNOWN_MODELS = List.of("", "nope", "MNIST", "mnist ", "..", "a/b",
            "\u2603", "x".repeat(500), "\u0000");
    private static final List<String> VERSIONS = List.of("2", "0", "-1", "latest", "1.0", " 1", "one",
            "9999999999999999999", "\u0661");

    private final List<FuzzSample> samples;
    private final long maxMessage;
    private final List<Map.Entry<Integer, Function<Random, Call>>> makers = List.of(
            Map.entry(50, this::anyValid),
            Map.entry(90, this::mutated),
            Map.entry(36, this::wire),
            Map.entry(23, this::other),
            Map.entry(1, this::tooLarge));

    /**
     * @param samples the valid inputs
     * @param maxMessage the server's message limit (a bigger message must get RESOURCE_EXHAUSTED)
     */
    GrpcFuzzer(List<FuzzSample> samples, long maxMessage) {
        this.samples = samples;
        this.maxMessage = maxMessage;
    }

    /**
     * The next call: 25 % valid inferences, 45 % mutated messages, 18 % damaged wire bytes, 11.5 % other
     * RPCs, 0.5 % over the size limit (rare: each takes the client about 100 ms to see refused).
     */
    Call next(Random random) {
        return Fuzzing.weighted(random, makers);
    }

    /** A valid message for a sample: raw or typed contents, maybe a version, an output and an id. */
    static ModelInferRequest.Builder valid(Random random, FuzzSample sample) {
        ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(sample.input()).setDatatype(sample.datatype());
        for (long dim : sample.shape()) {
            input.addShape(dim);
        }
        ModelInferRequest.Builder message = ModelInferRequest.newBuilder().setModelName(sample.model()).setId("fuzz");
        if (random.nextBoolean()) {
            message.addInputs(input).addRawInputContents(ByteString.copyFrom(sample.raw()));
        } else {
            message.addInputs(input.setContents(sample.typed()));
        }
        if (random.nextInt(4) == 0) {
            message.setModelVersion("1");
        }
        if (random.nextInt(4) == 0) {
            message.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(sample.output()));
        }
        return message;
    }

    private Call anyValid(Random random) {
        FuzzSample sample = pick(random, samples);
        return new Call("valid", Rpc.INFER, valid(random, sample).build(), null, Status.Code.OK, sample);
    }

    private static ModelInferRequest.InferInputTensor.Builder someInput(Random random, ModelInferRequest.Builder message) {
        if (message.getInputsCount() == 0) {
            message.addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32"));
        }
        return message.getInputsBuilder(random.nextInt(message.getInputsCount()));
    }

    private final List<Map.Entry<String, BiConsumer<Random, ModelInferRequest.Builder>>> mutations = mutations();

    private List<Map.Entry<String, BiConsumer<Random, ModelInferRequest.Builder>>> mutations() {
        return List.of(
            Map.entry("shape", (random, message) -> {
                ModelInferRequest.InferInputTensor.Builder input = someInput(random, message).clearShape();
                for (long dim : pick(random, SHAPES)) {
                    input.addShape(dim);
                }
            }),
            Map.entry("datatype", (random, message) -> someInput(random, message).setDatatype(pick(random, DATATYPES))),
            Map.entry("raw-bytes", (random, message) -> {
                if (message.getRawInputContentsCount() == 0) {
                    message.addRawInputContents(ByteString.EMPTY);
                }
                int index = random.nextInt(message.getRawInputContentsCount());
                byte[] raw = message.getRawInputContents(index).toByteArray();
                byte[] changed = switch (random.nextInt(5)) {
                    case 0 -> Arrays.copyOf(raw, raw.length == 0 ? 0 : random.nextInt(raw.length));
                    case 1 -> Arrays.copyOf(raw, raw.length + 1 + random.nextInt(16));
                    case 2 -> flipBits(random, raw);
                    case 3 -> new byte[0];
                    default -> randomBytes(random, random.nextInt(64));
                };
                message.setRawInputContents(index, ByteString.copyFrom(changed));
            }),
            Map.entry("raw-count", (random, message) -> {
                if (random.nextBoolean() || message.getRawInputContentsCount() == 0) {
                    message.addRawInputContents(ByteString.copyFrom(randomBytes(random, random.nextInt(8))));
                } else {
                    message.clearRawInputContents();
                }
            }),
            Map.entry("typed-count", (random, message) -> {
                ModelInferRequest.InferInputTensor.Builder input = someInput(random, message);
                InferTensorContents.Builder contents = input.getContents().toBuilder();
                if (random.nextBoolean()) {
                    contents.addFp32Contents(1f).addInt64Contents(1).addBoolContents(true).addUintContents(1)
                            .addBytesContents(ByteString.EMPTY);
                } else {
                    contents.clear();
                }
                input.setContents(contents);
            }),
            Map.entry("typed-field", (random, message) -> {
                InferTensorContents.Builder contents = InferTensorContents.newBuilder();
                for (int i = 0; i < 4 + random.nextInt(2) * 780; i++) {
                    switch (random.nextInt(8)) {
                        case 0 -> contents.addIntContents(random.nextInt());
                        case 1 -> contents.addUintContents(random.nextInt());
                        case 2 -> contents.addInt64Contents(random.nextLong());
                        case 3 -> contents.addUint64Contents(random.nextLong());
                        case 4 -> contents.addFp64Contents(random.nextDouble());
                        case 5 -> contents.addBoolContents(random.nextBoolean());
                        case 6 -> contents.addBytesContents(ByteString.copyFrom(randomBytes(random, 3)));
                        default -> contents.addFp32Contents(Float.NaN);
                    }
                }
                someInput(random, message).setContents(contents);
            }),
            Map.entry("uint-range", (random, message) -> someInput(random, message).setContents(
                    InferTensorContents.newBuilder().addUintContents(256).addUintContents(-1).addUintContents(0)
                            .addUintContents(70000).addIntContents(-200).addIntContents(40000)
                            .addIntContents(Integer.MIN_VALUE).addIntContents(1))),
            Map.entry("bytes-lengths", (random, message) -> {
                byte[] raw = pick(random, List.of(new byte[] {-1, -1, -1, -1}, new byte[] {5, 0, 0, 0, 'a'},
                        new byte[] {0, 0, 0, (byte) 0x80}, new byte[] {1, 0}, new byte[] {0, 0, 0, 0, 0},
                        new byte[] {2, 0, 0, 0, (byte) 0xff, (byte) 0xfe}, new byte[0]));
                ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("text").setDatatype("BYTES");
                for (long dim : pick(random, SHAPES)) {
                    input.addShape(dim);
                }
                message.setModelName("text").clearInputs().clearRawInputContents().addInputs(input)
                        .addRawInputContents(ByteString.copyFrom(raw));
            }),
            Map.entry("input-name", (random, message) -> someInput(random, message).setName(pick(random, NAMES))),
            Map.entry("duplicate-input", (random, message) -> {
                message.addInputs(someInput(random, message).build());
                if (message.getRawInputContentsCount() > 0) {
                    message.addRawInputContents(message.getRawInputContents(0));
                }
            }),
            Map.entry("missing-input", (random, message) -> {
                message.clearInputs();
                if (random.nextBoolean()) {
                    message.clearRawInputContents();
                }
            }),
            Map.entry("model", (random, message) -> {
                if (random.nextBoolean()) {
                    message.setModelName(pick(random, UNKNOWN_MODELS));
                } else {
                    message.setModelVersion(pick(random, VERSIONS));
                }
            }),
            Map.entry("other-model", (random, message) -> message.setModelName(pick(random, samples).model())),
            Map.entry("outputs", (random, message) -> message.addOutputs(ModelInferRequest.InferRequestedOutputTensor
                    .newBuilder().setName(pick(random, List.of("", "nope", "y", "echo", "Plus214_Output_0", "x"))))),
            Map.entry("parameters", (random, message) -> {
                InferParameter parameter = switch (random.nextInt(4)) {
                    case 0 -> InferParameter.getDefaultInstance();
                    case 1 -> InferParameter.newBuilder().setUint64Param(-1).build();
                    case 2 -> InferParameter.newBuilder().setDoubleParam(Double.NaN).build();
                    default -> InferParameter.newBuilder().setStringParam("\u2603".repeat(100)).build();
                };
                if (random.nextBoolean()) {
                    message.putParameters(pick(random, List.of("", "binary_data_output", "priority", "x")), parameter);
                } else {
                    someInput(random, message).putParameters("binary_data_size", parameter);
                }
            }),
            Map.entry("id", (random, message) -> message.setId("i".repeat(random.nextInt(20_000)))));
    }

    private Call mutated(Random random) {
        FuzzSample sample = pick(random, samples);
        ModelInferRequest.Builder message = valid(random, sample);
        String applied = Fuzzing.mutate(random, mutations, message);
        return new Call("mutated " + applied, Rpc.INFER, message.build(), null, null, null);
    }

    private Call wire(Random random) {
        FuzzSample sample = pick(random, samples);
        boolean validBase = random.nextInt(4) != 0;
        ModelInferRequest message = validBase ? valid(random, sample).build() : mutated(random).message();
        byte[] bytes = message.toByteArray();
        String what;
        switch (random.nextInt(6)) {
            case 0, 1, 2, 3 -> {
                Fuzzing.Damaged damaged = Fuzzing.damage(random, bytes);
                bytes = damaged.bytes();
                what = damaged.how();
            }
            case 4 -> {
                bytes = Fuzzing.concat(bytes, randomBytes(random, 1 + random.nextInt(16)));
                what = "appended-garbage";
            }
            default -> {
                return new Call("wire unknown-field", Rpc.INFER_BYTES, message,
                        withUnknownField(bytes, 1000 + random.nextInt(1000), random.nextLong()),
                        validBase ? Status.Code.OK : null, validBase ? sample : null);
            }
        }
        return new Call("wire " + what, Rpc.INFER_BYTES, message, bytes, null, null);
    }

    /** The message with an unknown varint field appended, which a parser must skip. */
    private static byte[] withUnknownField(byte[] message, int field, long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(message);
        try {
            CodedOutputStream coded = CodedOutputStream.newInstance(out);
            coded.writeUInt64(field, value);
            coded.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private Call other(Random random) {
        boolean known = random.nextBoolean();
        String model = known ? pick(random, samples).model() : pick(random, UNKNOWN_MODELS);
        String version = random.nextBoolean() ? "" : random.nextBoolean() ? "1" : pick(random, VERSIONS);
        boolean found = known && (version.isEmpty() || version.equals("1"));
        ModelInferRequest names = ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version).build();
        return new Call("metadata/ready", random.nextBoolean() ? Rpc.METADATA : Rpc.READY, names, null,
                found ? Status.Code.OK : Status.Code.NOT_FOUND, null);
    }

    private Call tooLarge(Random random) {
        FuzzSample sample = pick(random, samples);
        ModelInferRequest message = valid(random, sample).clearRawInputContents()
                .addRawInputContents(ByteString.copyFrom(new byte[(int) maxMessage + 1 + random.nextInt(1000)])).build();
        return new Call("too-large", Rpc.INFER, message, null, Status.Code.RESOURCE_EXHAUSTED, null);
    }
}
