package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.Tensor;
import dev.outpost.serving.proto.GrpcService.InferParameter;
import dev.outpost.serving.proto.GrpcService.InferStatistics;
import dev.outpost.serving.proto.GrpcService.InferTensorContents;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelInferResponse;
import dev.outpost.serving.proto.GrpcService.ModelMetadataRequest;
import dev.outpost.serving.proto.GrpcService.ModelMetadataResponse;
import dev.outpost.serving.proto.GrpcService.ModelReadyRequest;
import dev.outpost.serving.proto.GrpcService.ModelStatisticsRequest;
import dev.outpost.serving.proto.GrpcService.ModelStatisticsResponse;
import dev.outpost.serving.proto.GrpcService.ServerLiveRequest;
import dev.outpost.serving.proto.GrpcService.ServerMetadataRequest;
import dev.outpost.serving.proto.GrpcService.ServerMetadataResponse;
import dev.outpost.serving.proto.GrpcService.ServerReadyRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gRPC service on a real server (ephemeral ports) with squeezenet1.0-fp32, mnist and yolox_nano,
 * called through stubs generated from the project's proto: health and metadata RPCs, ModelInfer with
 * raw and typed contents checked against in-process ModelSession outputs, and the error statuses
 * of client mistakes (never INTERNAL).
 */
class GrpcServiceTest {

    private static InferenceServer server;
    private static GrpcClient client;
    private static InferenceEngine engine;

    @BeforeAll
    static void start() {
        Path squeezenet = SharedModels.model("squeezenet1.0-fp32.onnx");
        Path mnist = SharedModels.model("mnist_cntk.onnx");
        Path yolox = SharedModels.model("yolox_nano.onnx");
        ModelManager models = ModelManager.create(ModelRepository.ofFiles(List.of(squeezenet, mnist, yolox)),
                ServingConfig.defaults());
        models.loadAll();
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0).withGrpcPort(0));
        client = GrpcClient.to(server);
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            client.close();
            server.close();
            engine.close();
        }
    }

    private static float[] random(long seed, int count, float scale) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextFloat() * scale;
        }
        return values;
    }

    private static float[] expected(String file, String input, float[] values, long[] shape, String output) {
        try (ModelSession session = engine.open(SharedModels.model(file));
             Tensor tensor = Tensor.of(values, shape);
             Outputs outputs = session.run(Map.of(input, tensor))) {
            return outputs.get(output).toFloatArray();
        }
    }

    private static void assertStatus(ThrowingCallable call, Status.Code code, String... fragments) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, error -> {
            assertThat(error.getStatus().getCode()).as(error.getStatus().toString()).isEqualTo(code);
            assertThat(error.getStatus().getDescription()).contains(fragments);
        });
    }

    @Test
    void healthAndServerMetadata() {
        assertThat(client.blocking().serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(client.blocking().serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        ServerMetadataResponse metadata = client.blocking().serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(metadata.getName()).isEqualTo("outpost");
        assertThat(metadata.getVersion()).isNotBlank();
        assertThat(metadata.getExtensionsList()).contains("model_repository", "statistics");
    }

    @Test
    void modelReadyAndMetadata_nameTheModelsTensors() {
        assertThat(client.blocking().modelReady(ModelReadyRequest.newBuilder().setName("mnist_cntk").build())
                .getReady()).isTrue();
        assertThat(client.blocking().modelReady(ModelReadyRequest.newBuilder().setName("mnist_cntk").setVersion("1")
                .build()).getReady()).isTrue();
        ModelMetadataResponse metadata = client.blocking().modelMetadata(ModelMetadataRequest.newBuilder()
                .setName("squeezenet1.0-fp32").build());
        assertThat(metadata.getName()).isEqualTo("squeezenet1.0-fp32");
        assertThat(metadata.getVersionsList()).containsExactly("1");
        assertThat(metadata.getPlatform()).isEqualTo("onnxruntime_onnx");
        assertThat(metadata.getInputs(0).getName()).isEqualTo("data_0");
        assertThat(metadata.getInputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(metadata.getInputs(0).getShapeList()).containsExactly(1L, 3L, 224L, 224L);
        assertThat(metadata.getOutputs(0).getName()).isEqualTo("softmaxout_1");
        assertStatus(() -> client.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()),
                Status.Code.NOT_FOUND, "nope");
        assertStatus(() -> client.blocking().modelReady(ModelReadyRequest.newBuilder().setName("mnist_cntk")
                .setVersion("9").build()), Status.Code.NOT_FOUND, "9");
    }

    @Test
    void squeezenet_rawContents_equalInProcessOutputs_andEchoTheId() {
        float[] pixels = random(7, 3 * 224 * 224, 2f);
        long decodedBefore = server.models().metrics().model("squeezenet1.0-fp32", "1").preprocess.count();
        long encodedBefore = server.models().metrics().model("squeezenet1.0-fp32", "1").postprocess.count();
        ModelInferResponse response = client.blocking().modelInfer(GrpcClient.rawFp32("squeezenet1.0-fp32", "data_0",
                pixels, 1, 3, 224, 224).setId("req-42")
                .putParameters("priority", InferParameter.newBuilder().setInt64Param(0).build()).build());

        assertThat(response.getModelName()).isEqualTo("squeezenet1.0-fp32");
        assertThat(response.getModelVersion()).isEqualTo("1");
        assertThat(response.getId()).isEqualTo("req-42");
        assertThat(response.getOutputs(0).getName()).isEqualTo("softmaxout_1");
        assertThat(response.getOutputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(response.getOutputs(0).getShapeList()).containsExactly(1L, 1000L, 1L, 1L);
        assertThat(GrpcClient.floats(response.getRawOutputContents(0))).containsExactly(expected(
                "squeezenet1.0-fp32.onnx", "data_0", pixels, new long[] {1, 3, 224, 224}, "softmaxout_1"));
        assertThat(server.models().metrics().model("squeezenet1.0-fp32", "1").preprocess.count())
                .as("decoding the message into tensors is timed under the served version").isEqualTo(decodedBefore + 1);
        assertThat(server.models().metrics().model("squeezenet1.0-fp32", "1").postprocess.count())
                .as("and so is encoding the answer").isEqualTo(encodedBefore + 1);
    }

    @Test
    void mnist_rawContents_withTheOutputSelected() {
        float[] pixels = random(3, 28 * 28, 255f);
        ModelInferResponse response = client.blocking().modelInfer(GrpcClient.rawFp32("mnist_cntk", "Input3", pixels,
                1, 1, 28, 28).setModelVersion("1").addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                .setName("Plus214_Output_0")).build());

        assertThat(response.getOutputsCount()).isEqualTo(1);
        assertThat(response.getRawOutputContentsCount()).isEqualTo(1);
        assertThat(GrpcClient.floats(response.getRawOutputContents(0))).containsExactly(expected("mnist_cntk.onnx",
                "Input3", pixels, new long[] {1, 1, 28, 28}, "Plus214_Output_0"));
    }

    /** Triton's gRPC client: {@code infer(..., compression_algorithm="gzip" | "deflate")} compresses the message. */
    @Test
    void mnist_compressedMessages_gzipAndDeflate_giveTheSameAnswer() {
        float[] pixels = random(6, 28 * 28, 255f);
        float[] expected = expected("mnist_cntk.onnx", "Input3", pixels, new long[] {1, 1, 28, 28}, "Plus214_Output_0");
        for (String coding : List.of("gzip", "deflate")) {
            ModelInferResponse response = client.blocking().withCompression(coding).modelInfer(GrpcClient.rawFp32(
                    "mnist_cntk", "Input3", pixels, 1, 1, 28, 28).build());
            assertThat(GrpcClient.floats(response.getRawOutputContents(0))).as(coding).containsExactly(expected);
        }
    }

    @Test
    void aCompressedMessage_isLimitedByItsDecompressedSize() throws InterruptedException {
        ModelManager models = ModelManager.create(ModelRepository.ofFiles(List.of(SharedModels.model("mnist_cntk.onnx"))),
                ServingConfig.defaults());
        models.loadAll();
        try (InferenceServer small = InferenceServer.start(models, ServerConfig.defaults().withPort(0).withGrpcPort(0)
                .withMaxRequestBytes(64 * 1024));
             GrpcClient smallClient = GrpcClient.to(small)) {
            ModelInferRequest bomb = GrpcClient.rawFp32("mnist_cntk", "Input3", new float[1 << 20], 1, 1, 1024, 1024)
                    .build();
            assertThat(bomb.getSerializedSize()).isGreaterThan(4 << 20);
            assertStatus(() -> smallClient.blocking().withCompression("deflate").modelInfer(bomb),
                    Status.Code.RESOURCE_EXHAUSTED, "The request message could not be read: ", "65536");
            try (GrpcClient broken = brokenDeflate(small)) {
                assertStatus(() -> broken.blocking().withCompression("deflate").modelInfer(GrpcClient.rawFp32(
                        "mnist_cntk", "Input3", new float[784], 1, 1, 28, 28).build()), Status.Code.INVALID_ARGUMENT,
                        "The request message could not be read: ");
            }
            ModelInferResponse fine = smallClient.blocking().withCompression("deflate").modelInfer(GrpcClient.rawFp32(
                    "mnist_cntk", "Input3", new float[784], 1, 1, 28, 28).build());
            assertThat(fine.getRawOutputContentsCount()).as("the server keeps serving").isEqualTo(1);
        }
    }

    /** Triton's statistics extension over gRPC ({@code tritonclient.grpc}'s {@code get_inference_statistics}). */
    @Test
    void modelStatistics_countWhatAVersionServed() {
        ModelStatisticsResponse before = client.blocking().modelStatistics(ModelStatisticsRequest.newBuilder()
                .setName("mnist_cntk").setVersion("1").build());
        float[] pixels = random(9, 28 * 28, 255f);
        for (int i = 0; i < 2; i++) {
            client.blocking().modelInfer(GrpcClient.rawFp32("mnist_cntk", "Input3", pixels, 1, 1, 28, 28).build());
        }

        ModelStatisticsResponse after = client.blocking().modelStatistics(ModelStatisticsRequest.newBuilder()
                .setName("mnist_cntk").build());

        assertThat(after.getModelStatsCount()).isEqualTo(1);
        var was = before.getModelStats(0);
        var now = after.getModelStats(0);
        assertThat(now.getName()).isEqualTo("mnist_cntk");
        assertThat(now.getVersion()).isEqualTo("1");
        assertThat(now.getInferenceCount() - was.getInferenceCount()).isEqualTo(2);
        assertThat(now.getExecutionCount() - was.getExecutionCount()).isEqualTo(2);
        InferStatistics stats = now.getInferenceStats();
        assertThat(stats.getSuccess().getCount() - was.getInferenceStats().getSuccess().getCount()).isEqualTo(2);
        assertThat(stats.getComputeInfer().getCount() - was.getInferenceStats().getComputeInfer().getCount()).isEqualTo(2);
        assertThat(stats.getComputeInfer().getNs()).isGreaterThan(was.getInferenceStats().getComputeInfer().getNs());
        assertThat(stats.getComputeOutput().getCount() - was.getInferenceStats().getComputeOutput().getCount())
                .isEqualTo(2);
        assertThat(now.getLastInference()).isPositive();
        assertThat(now.getBatchStatsList()).as("mnist_cntk takes one row per call").hasSize(1);
        assertThat(now.getBatchStats(0).getBatchSize()).isEqualTo(1);
        assertThat(now.getBatchStats(0).getComputeInfer().getCount() - (was.getBatchStatsCount() == 0 ? 0
                : was.getBatchStats(0).getComputeInfer().getCount())).isEqualTo(2);
        assertThat(client.blocking().modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStatsList())
                .extracting(each -> each.getName()).containsExactly("mnist_cntk", "squeezenet1.0-fp32", "yolox_nano");
        assertStatus(() -> client.blocking().modelStatistics(ModelStatisticsRequest.newBuilder().setName("nope").build()),
                Status.Code.NOT_FOUND, "nope");
    }

    /** A client whose "deflate" sends bytes that are not zlib data. */
    private static GrpcClient brokenDeflate(InferenceServer target) {
        io.grpc.CompressorRegistry registry = io.grpc.CompressorRegistry.newEmptyInstance();
        registry.register(new io.grpc.Compressor() {
            @Override
            public String getMessageEncoding() {
                return "deflate";
            }

            @Override
            public java.io.OutputStream compress(java.io.OutputStream os) {
                return new java.io.FilterOutputStream(os) {
                    @Override
                    public void write(int b) throws java.io.IOException {
                        out.write(b ^ 0x5a);
                    }
                };
            }
        });
        return GrpcClient.to(target, registry);
    }

    @Test
    void mnist_typedFp32Contents_giveTheSameAnswerAsRaw() {
        float[] pixels = random(5, 28 * 28, 255f);
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        for (float pixel : pixels) {
            contents.addFp32Contents(pixel);
        }
        ModelInferResponse response = client.blocking().modelInfer(ModelInferRequest.newBuilder()
                .setModelName("mnist_cntk")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("Input3").setDatatype("FP32")
                        .addShape(1).addShape(1).addShape(28).addShape(28).setContents(contents))
                .build());

        assertThat(GrpcClient.floats(response.getRawOutputContents(0))).containsExactly(expected("mnist_cntk.onnx",
                "Input3", pixels, new long[] {1, 1, 28, 28}, "Plus214_Output_0"));
    }

    @Test
    void yoloxNano_rawContents_everyOutputWhenNoneIsListed() {
        float[] pixels = random(11, 3 * 416 * 416, 255f);
        ModelInferResponse response = client.blocking().modelInfer(GrpcClient.rawFp32("yolox_nano", "images", pixels,
                1, 3, 416, 416).build());

        assertThat(response.getOutputs(0).getShapeList()).containsExactly(1L, 3549L, 85L);
        assertThat(GrpcClient.floats(response.getRawOutputContents(0))).containsExactly(expected("yolox_nano.onnx",
                "images", pixels, new long[] {1, 3, 416, 416}, "output"));
    }

    @Test
    void unknownModelOrVersion_isNotFound() {
        float[] pixels = new float[784];
        assertStatus(() -> client.blocking().modelInfer(GrpcClient.rawFp32("no_such_model", "Input3", pixels,
                1, 1, 28, 28).build()), Status.Code.NOT_FOUND, "no_such_model");
        assertStatus(() -> client.blocking().modelInfer(GrpcClient.rawFp32("mnist_cntk", "Input3", pixels,
                1, 1, 28, 28).setModelVersion("7").build()), Status.Code.NOT_FOUND, "7");
    }

    @Test
    void clientMistakes_areInvalidArgument_namingExpectedAndReceived_andTheServerKeepsServing() {
        float[] pixels = new float[784];
        assertStatus(() -> client.blocking().modelInfer(GrpcClient.rawFp32("mnist_cntk", "Input3", new float[25],
                1, 1, 28, 28).build()), Status.Code.INVALID_ARGUMENT, "Input3", "100 bytes", "3136 bytes");
        assertStatus(() -> client.blocking().modelInfer(GrpcClient.rawFp32("mnist_cntk", "Input3", pixels,
                1, 1, 14, 56).build()), Status.Code.INVALID_ARGUMENT, "Input3", "28");
        assertStatus(() -> client.blocking().modelInfer(ModelInferRequest.newBuilder().setModelName("mnist_cntk")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("Input3").setDatatype("INT32")
                        .addShape(1).addShape(1).addShape(28).addShape(28))
                .addRawInputContents(ByteString.copyFrom(new byte[3136])).build()),
                Status.Code.INVALID_ARGUMENT, "Input3", "FP32");
        assertStatus(() -> client.blocking().modelInfer(ModelInferRequest.newBuilder().setModelName("mnist_cntk")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("Input3").setDatatype("FP8")
                        .addShape(1))
                .addRawInputContents(ByteString.copyFrom(new byte[1])).build()),
                Status.Code.INVALID_ARGUMENT, "'FP8'", "expected one of");
        assertStatus(() -> client.blocking().modelInfer(ModelInferRequest.newBuilder().setModelName("mnist_cntk")
                .build()), Status.Code.INVALID_ARGUMENT, "Input3");
        assertStatus(() -> client.blocking().modelInfer(GrpcClient.rawFp32("mnist_cntk", "Input3", pixels,
                1, 1, 28, 28).addRawInputContents(ByteString.EMPTY).build()),
                Status.Code.INVALID_ARGUMENT, "raw_input_contents has 2 entries", "1 inputs");
        assertStatus(() -> client.blocking().modelInfer(ModelInferRequest.newBuilder().setModelName("mnist_cntk")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("Input3").setDatatype("FP32")
                        .addShape(1).addShape(1).addShape(28).addShape(28)
                        .setContents(InferTensorContents.newBuilder().addFp32Contents(1f)))
                .build()), Status.Code.INVALID_ARGUMENT, "1 values in contents.fp32_contents", "needs 784");
        assertStatus(() -> client.blocking().modelInfer(GrpcClient.rawFp32("mnist_cntk", "Input3", pixels,
                1, 1, 28, 28).addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("nope"))
                .build()), Status.Code.INVALID_ARGUMENT, "nope", "Plus214_Output_0");

        ModelInferResponse stillServing = client.blocking().modelInfer(GrpcClient.rawFp32("mnist_cntk", "Input3",
                pixels, 1, 1, 28, 28).build());
        assertThat(stillServing.getRawOutputContents(0).size()).isEqualTo(40);
    }
}
