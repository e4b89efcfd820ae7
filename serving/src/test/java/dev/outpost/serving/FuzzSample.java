package dev.outpost.serving;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.google.protobuf.ByteString;
import dev.outpost.serving.proto.GrpcService.InferTensorContents;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One valid input of a {@link FuzzTest} model: the model, its input's name, OIP datatype and shape,
 * and the same values as JSON literals, as the OIP raw layout and as gRPC typed contents. The fuzzers
 * build valid requests from samples and mutate those.
 *
 * @param model the model name in the test repository
 * @param input the input name
 * @param output the output name
 * @param datatype the OIP datatype
 * @param shape the shape
 * @param json one JSON literal per element, row-major
 * @param raw the elements in the OIP raw layout (little-endian; BYTES as 4-byte length + bytes)
 * @param echo true when the model is an Identity, so that its output must equal {@code raw}
 */
record FuzzSample(String model, String input, String output, String datatype, long[] shape, List<String> json, byte[] raw,
                  boolean echo) {

    /** Three MNIST-sized FP32 images and an Identity sample for each of INT64, BOOL, UINT8 and BYTES. */
    static List<FuzzSample> all(Random random) {
        List<FuzzSample> samples = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            float[] pixels = new float[28 * 28];
            for (int p = 0; p < pixels.length; p++) {
                pixels[p] = random.nextInt(4) == 0 ? random.nextInt(256) : random.nextInt(1024) / 4f;
            }
            samples.add(fp32(pixels, 1, 1, 28, 28));
        }
        long[] longs = {Long.MIN_VALUE, -1, random.nextLong(), Long.MAX_VALUE};
        ByteBuffer int64 = le(32);
        List<String> int64Json = new ArrayList<>();
        for (long value : longs) {
            int64.putLong(value);
            int64Json.add(Long.toString(value));
        }
        samples.add(new FuzzSample("id_int64", "x", "y", "INT64", new long[] {4}, int64Json, int64.array(), true));
        samples.add(new FuzzSample("id_bool", "x", "y", "BOOL", new long[] {4}, List.of("true", "false", "false", "true"),
                new byte[] {1, 0, 0, 1}, true));
        samples.add(new FuzzSample("id_uint8", "x", "y", "UINT8", new long[] {4}, List.of("0", "7", "200", "255"),
                new byte[] {0, 7, (byte) 200, (byte) 255}, true));
        samples.add(strings("a", "h\u00e9llo w\u00f6rld \u2603", "", "quote \" backslash \\ tab \t end"));
        return List.copyOf(samples);
    }

    private static FuzzSample fp32(float[] values, long... shape) {
        ByteBuffer raw = le(values.length * 4);
        List<String> json = new ArrayList<>();
        for (float value : values) {
            raw.putFloat(value);
            json.add(Float.toString(value));
        }
        return new FuzzSample("mnist", "Input3", "Plus214_Output_0", "FP32", shape, json, raw.array(), false);
    }

    private static FuzzSample strings(String... values) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        List<String> json = new ArrayList<>();
        for (String value : values) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            raw.writeBytes(le(4).putInt(utf8.length).array());
            raw.writeBytes(utf8);
            json.add(quote(value));
        }
        return new FuzzSample("text", "text", "echo", "BYTES", new long[] {values.length}, json, raw.toByteArray(), true);
    }

    static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A JSON string literal. */
    static String quote(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    /** The shape as a JSON array. */
    String shapeJson() {
        return Arrays.toString(shape).replace(" ", "");
    }

    /** The values as a JSON array, flat or nested along the shape. */
    String dataJson(boolean nested) {
        if (!nested || shape.length < 2) {
            return "[" + String.join(",", json) + "]";
        }
        return nest(0, 0);
    }

    private String nest(int dim, int offset) {
        if (dim == shape.length) {
            return json.get(offset);
        }
        int stride = 1;
        for (int d = dim + 1; d < shape.length; d++) {
            stride *= (int) shape[d];
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < shape[dim]; i++) {
            parts.add(nest(dim + 1, offset + i * stride));
        }
        return "[" + String.join(",", parts) + "]";
    }

    /** The values as gRPC typed contents of this sample's datatype. */
    InferTensorContents typed() {
        ByteBuffer data = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (int i = 0; i < json.size(); i++) {
            switch (datatype) {
                case "FP32" -> contents.addFp32Contents(data.getFloat());
                case "INT64" -> contents.addInt64Contents(data.getLong());
                case "BOOL" -> contents.addBoolContents(data.get() != 0);
                case "UINT8" -> contents.addUintContents(Byte.toUnsignedInt(data.get()));
                case "BYTES" -> {
                    byte[] element = new byte[data.getInt()];
                    data.get(element);
                    contents.addBytesContents(ByteString.copyFrom(element));
                }
                default -> throw new IllegalStateException("no typed contents for " + datatype);
            }
        }
        return contents.build();
    }

    @Override
    public String toString() {
        return model + ":" + input + " " + datatype + Arrays.toString(shape);
    }
}
