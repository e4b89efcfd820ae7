package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.outpost.model.Op;
import dev.outpost.serving.OipDatatypesTest.Case;
import dev.outpost.serving.proto.GrpcService.InferTensorContents;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelInferResponse;
import dev.outpost.testing.TinyModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every OIP datatype over gRPC, as raw_input_contents and as typed contents: through the codec alone
 * (all 13 types) and end to end through Identity models for every type ONNX Runtime's Java API can
 * feed. The values are those of {@link OipDatatypesTest}.
 */
class GrpcDatatypesTest {

    private static InferenceServer server;
    private static GrpcClient client;

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path repo) throws Exception {
        for (Case c : OipDatatypesTest.feedable()) {
            Path dir = Files.createDirectories(repo.resolve("id_" + c.datatype().toLowerCase()).resolve("1"));
            TinyModels.singleOp(Op.IDENTITY, c.element()).write(dir.resolve("model.onnx"));
        }
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        assertThat(models.loadAll()).allMatch(ModelStatus::ready);
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0).withGrpcPort(0));
        client = GrpcClient.to(server);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            client.close();
            server.close();
        }
    }

    static List<Case> cases() {
        return OipDatatypesTest.cases();
    }

    static List<Case> feedable() {
        return OipDatatypesTest.feedable();
    }

    /** The case's four values as the typed contents field of its datatype. */
    private static InferTensorContents typed(Case c) {
        ByteBuffer data = ByteBuffer.wrap(c.binary()).order(ByteOrder.LITTLE_ENDIAN);
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (int i = 0; i < 4; i++) {
            switch (c.datatype()) {
                case "BOOL" -> contents.addBoolContents(data.get() != 0);
                case "UINT8" -> contents.addUintContents(Byte.toUnsignedInt(data.get()));
                case "UINT16" -> contents.addUintContents(Short.toUnsignedInt(data.getShort()));
                case "UINT32" -> contents.addUintContents(data.getInt());
                case "UINT64" -> contents.addUint64Contents(data.getLong());
                case "INT8" -> contents.addIntContents(data.get());
                case "INT16" -> contents.addIntContents(data.getShort());
                case "INT32" -> contents.addIntContents(data.getInt());
                case "INT64" -> contents.addInt64Contents(data.getLong());
                case "FP32" -> contents.addFp32Contents(data.getFloat());
                case "FP64" -> contents.addFp64Contents(data.getDouble());
                case "BYTES" -> {
                    byte[] element = new byte[data.getInt()];
                    data.get(element);
                    contents.addBytesContents(ByteString.copyFrom(element));
                }
                default -> throw new IllegalArgumentException("no typed contents for " + c.datatype());
            }
        }
        return contents.build();
    }

    private static ModelInferRequest.InferInputTensor.Builder input(Case c, String name) {
        return ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(c.datatype()).addShape(4);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void codec_rawAndTypedContents_comeBackAsTheSameRawBytes(Case c) {
        InferenceRequest raw = GrpcCodec.decode(ModelInferRequest.newBuilder().setModelName("m").setId("r")
                .addInputs(input(c, "x")).addRawInputContents(ByteString.copyFrom(c.binary())).build());
        try (InferenceResponse echo = new InferenceResponse("r", "m", "1", raw.inputs(), java.time.Duration.ZERO,
                java.time.Duration.ZERO, 1, () -> GrpcCodec.release(raw))) {
            ModelInferResponse encoded = GrpcCodec.encode(echo);
            assertThat(encoded.getOutputs(0).getDatatype()).isEqualTo(c.datatype());
            assertThat(encoded.getOutputs(0).getShapeList()).containsExactly(4L);
            assertThat(encoded.getRawOutputContents(0).toByteArray()).isEqualTo(c.binary());
        }
        if (c.datatype().equals("FP16")) {
            assertThatThrownBy(() -> GrpcCodec.decode(ModelInferRequest.newBuilder().setModelName("m")
                    .addInputs(input(c, "x").setContents(InferTensorContents.newBuilder().addFp32Contents(1f))).build()))
                    .isInstanceOfSatisfying(ServingException.class, error -> assertThat(error.getMessage())
                            .contains("FP16", "raw_input_contents"));
            return;
        }
        InferenceRequest typed = GrpcCodec.decode(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input(c, "x").setContents(typed(c))).build());
        try (InferenceResponse echo = new InferenceResponse("", "m", "1", typed.inputs(), java.time.Duration.ZERO,
                java.time.Duration.ZERO, 1, () -> GrpcCodec.release(typed))) {
            assertThat(GrpcCodec.encode(echo).getRawOutputContents(0).toByteArray()).isEqualTo(c.binary());
        }
    }

    @ParameterizedTest
    @MethodSource("feedable")
    void identityModels_echoEveryFeedableDatatype_rawAndTyped(Case c) {
        String model = "id_" + c.datatype().toLowerCase();
        ModelInferResponse raw = client.blocking().modelInfer(ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(input(c, "x")).addRawInputContents(ByteString.copyFrom(c.binary())).build());
        assertThat(raw.getOutputs(0).getDatatype()).isEqualTo(c.datatype());
        assertThat(raw.getRawOutputContents(0).toByteArray()).isEqualTo(c.binary());
        if (!c.datatype().equals("FP16")) {
            ModelInferResponse typed = client.blocking().modelInfer(ModelInferRequest.newBuilder().setModelName(model)
                    .addInputs(input(c, "x").setContents(typed(c))).build());
            assertThat(typed.getRawOutputContents(0).toByteArray()).isEqualTo(c.binary());
        }
    }

    @Test
    void typedIntegersOutOfTheTypesRange_areRejectedNamingTheRange() {
        Case int8 = OipDatatypesTest.cases().stream().filter(c -> c.datatype().equals("INT8")).findFirst().orElseThrow();
        assertThatThrownBy(() -> GrpcCodec.decode(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(input(int8, "x").setContents(InferTensorContents.newBuilder()
                        .addIntContents(1).addIntContents(2).addIntContents(300).addIntContents(4))).build()))
                .isInstanceOfSatisfying(ServingException.class, error -> {
                    assertThat(error.code()).isEqualTo(ServingException.Code.INVALID_REQUEST);
                    assertThat(error.getMessage()).contains("Input 'x' element 2 is 300; INT8 holds -128..127");
                });
        assertThatThrownBy(() -> GrpcCodec.decode(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("s").setDatatype("BYTES").addShape(2))
                .addRawInputContents(ByteString.copyFrom(new byte[] {5, 0, 0, 0, 'a'})).build()))
                .isInstanceOfSatisfying(ServingException.class, error -> assertThat(error.getMessage())
                        .contains("Input 's' (BYTES) element 0 claims 5 bytes; only 1 are left"));
    }

    @Test
    void bytesShapeWithMoreElementsThanTheRawContentsCanHold_isRejectedBeforeAllocating() {
        assertThatThrownBy(() -> GrpcCodec.decode(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("s").setDatatype("BYTES")
                        .addShape(1 << 30))
                .addRawInputContents(ByteString.copyFrom(new byte[] {1, 0})).build()))
                .isInstanceOfSatisfying(ServingException.class, error -> assertThat(error.getMessage())
                        .contains("Input 's' (BYTES) raw contents ends after 0 of 1073741824 elements"));
    }

    @Test
    void bytesThatAreNotUtf8_areRejected_rawOrTyped() {
        byte[] notText = {(byte) 0xc3, (byte) 0x28};
        assertThatThrownBy(() -> GrpcCodec.decode(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("s").setDatatype("BYTES").addShape(1))
                .addRawInputContents(ByteString.copyFrom(new byte[] {2, 0, 0, 0, notText[0], notText[1]})).build()))
                .isInstanceOfSatisfying(ServingException.class, error -> assertThat(error.getMessage())
                        .contains("Input 's' (BYTES) element 0 is not valid UTF-8 text"));
        assertThatThrownBy(() -> GrpcCodec.decode(ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("s").setDatatype("BYTES").addShape(2)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("ok"))
                                .addBytesContents(ByteString.copyFrom(notText)))).build()))
                .isInstanceOfSatisfying(ServingException.class, error -> assertThat(error.getMessage())
                        .contains("Input 's' (BYTES) element 1 is not valid UTF-8 text"));
    }
}
