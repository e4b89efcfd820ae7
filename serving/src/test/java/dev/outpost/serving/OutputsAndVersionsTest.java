package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.ValueInfo;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelInferResponse;
import dev.outpost.serving.proto.GrpcService.ModelMetadataRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output selection on a model with two outputs, several versions of one model, and the repository
 * API's successful unload and load, over REST and gRPC on one real server.
 *
 * <p>{@code twin}: {@code x: float[1,4] -> Relu -> relu} and {@code x + x -> sum}, as versions 1 and 2
 * of one model, with a version 3 that fails to load.
 */
class OutputsAndVersionsTest {

    private static final float[] X = {-1.5f, 0f, 2f, 3.25f};
    private static final String INPUT = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[-1.5,0,2,3.25]}]%s}";

    private static InferenceServer server;
    private static Http http;
    private static GrpcClient grpc;

    @BeforeAll
    static void start(@TempDir Path repo) throws Exception {
        byte[] twin = twoOutputs().toBytes();
        for (String version : List.of("1", "2")) {
            Files.write(Files.createDirectories(repo.resolve("twin").resolve(version)).resolve(ModelRepository.MODEL_FILE),
                    twin);
        }
        Files.writeString(Files.createDirectories(repo.resolve("twin/3")).resolve(ModelRepository.MODEL_FILE), "not onnx");
        Files.write(Files.createDirectories(repo.resolve("plain/1")).resolve(ModelRepository.MODEL_FILE), twin);
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        models.loadAll();
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0).withGrpcPort(0));
        http = Http.to(server);
        grpc = GrpcClient.to(server);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (grpc != null) {
            grpc.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static OnnxModel twoOutputs() {
        OnnxModel model = OnnxModel.create("twin", OnnxModel.DEFAULT_OPSET);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, 4));
        graph.add(Op.RELU, List.of("x"), List.of("relu"), Map.of());
        graph.add(Op.ADD, List.of("x", "x"), List.of("sum"), Map.of());
        graph.addOutput(ValueInfo.of("relu", ElementType.FLOAT, 1, 4));
        graph.addOutput(ValueInfo.of("sum", ElementType.FLOAT, 1, 4));
        return model;
    }

    private static String ok(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        return Http.text(response);
    }

    private static ModelInferRequest.Builder grpcRequest(String model, String version) {
        ByteBuffer bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : X) {
            bytes.putFloat(value);
        }
        return ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(1).addShape(4))
                .addRawInputContents(ByteString.copyFrom(bytes.array()));
    }

    private static float[] floats(ByteString raw) {
        ByteBuffer buffer = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[buffer.remaining() / 4];
        buffer.asFloatBuffer().get(values);
        return values;
    }

    @Test
    void rest_answersOnlyTheRequestedOutputs_eachInTheEncodingItAsksFor() {
        String both = ok(http.post("/v2/models/twin/infer", INPUT.formatted("")));
        assertThat(both).contains("\"name\":\"relu\"", "[0.0,0.0,2.0,3.25]", "\"name\":\"sum\"", "[-3.0,0.0,4.0,6.5]");

        String sumOnly = ok(http.post("/v2/models/twin/infer", INPUT.formatted(",\"outputs\":[{\"name\":\"sum\"}]")));
        assertThat(sumOnly).contains("\"name\":\"sum\"", "[-3.0,0.0,4.0,6.5]").doesNotContain("relu");

        // sum as binary data after the JSON, relu as JSON: Triton's per-output binary_data parameter.
        HttpResponse<byte[]> mixed = http.post("/v2/models/twin/infer", INPUT.formatted(",\"outputs\":["
                + "{\"name\":\"sum\",\"parameters\":{\"binary_data\":true}},{\"name\":\"relu\"}]"));
        assertThat(mixed.statusCode()).as(Http.text(mixed)).isEqualTo(200);
        int jsonLength = Integer.parseInt(mixed.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        String json = new String(mixed.body(), 0, jsonLength, StandardCharsets.UTF_8);
        assertThat(json).contains("\"name\":\"relu\"", "[0.0,0.0,2.0,3.25]", "\"binary_data_size\":16")
                .doesNotContain("[-3.0,0.0,4.0,6.5]");
        assertThat(mixed.body().length).isEqualTo(jsonLength + 16);
        assertThat(floats(ByteString.copyFrom(mixed.body(), jsonLength, 16))).containsExactly(-3f, 0f, 4f, 6.5f);

        assertThat(http.post("/v2/models/twin/infer", INPUT.formatted(",\"outputs\":[{\"name\":\"max\"}]")).statusCode())
                .isEqualTo(400);
    }

    @Test
    void grpc_answersOnlyTheRequestedOutputs() {
        ModelInferResponse both = grpc.blocking().modelInfer(grpcRequest("twin", "").build());
        assertThat(both.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactlyInAnyOrder("relu", "sum");

        ModelInferResponse reluOnly = grpc.blocking().modelInfer(grpcRequest("twin", "")
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("relu")).build());
        assertThat(reluOnly.getOutputsList()).extracting(ModelInferResponse.InferOutputTensor::getName)
                .containsExactly("relu");
        assertThat(floats(reluOnly.getRawOutputContents(0))).containsExactly(0f, 0f, 2f, 3.25f);
    }

    @Test
    void theDefaultVersionIsTheHighestReady_andAVersionRouteAnswersFromThatVersion() {
        assertThat(ok(http.post("/v2/models/twin/infer", INPUT.formatted("")))).contains("\"model_version\":\"2\"");
        assertThat(ok(http.post("/v2/models/twin/versions/1/infer", INPUT.formatted(""))))
                .contains("\"model_version\":\"1\"");
        HttpResponse<byte[]> failed = http.post("/v2/models/twin/versions/3/infer", INPUT.formatted(""));
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(Http.text(failed)).contains("Model twin version 3 is FAILED");
        assertThat(http.get("/v2/models/twin/versions/1/ready").statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/models/twin/versions/3/ready").statusCode()).isEqualTo(400);
        assertThat(ok(http.get("/v2/models/twin"))).contains("\"versions\":[\"1\",\"2\",\"3\"]");

        assertThat(grpc.blocking().modelInfer(grpcRequest("twin", "").build()).getModelVersion()).isEqualTo("2");
        assertThat(grpc.blocking().modelInfer(grpcRequest("twin", "1").build()).getModelVersion()).isEqualTo("1");
        assertThat(grpc.blocking().modelMetadata(ModelMetadataRequest.newBuilder().setName("twin").build())
                .getVersionsList()).containsExactly("1", "2", "3");
    }

    @Test
    void restRepository_unloadsAndLoadsAModel_andIndexFiltersOnItsReadyFlag() {
        assertThat(ok(http.post("/v2/repository/models/plain/unload", ""))).isEqualTo("{}");
        assertThat(http.get("/v2/models/plain/ready").statusCode()).isEqualTo(400);
        HttpResponse<byte[]> refused = http.post("/v2/models/plain/infer", INPUT.formatted(""));
        assertThat(refused.statusCode()).as(Http.text(refused)).isEqualTo(503);
        assertThat(Http.text(refused)).contains("Model plain version 1 is UNAVAILABLE");

        assertThat(ok(http.post("/v2/repository/models/plain/load", ""))).isEqualTo("{}");
        assertThat(http.get("/v2/models/plain/ready").statusCode()).isEqualTo(200);
        assertThat(ok(http.post("/v2/models/plain/infer", INPUT.formatted("")))).contains("[-3.0,0.0,4.0,6.5]");

        String all = ok(http.post("/v2/repository/index", ""));
        assertThat(all).contains("{\"name\":\"twin\",\"version\":\"3\",\"state\":\"FAILED\"");
        String ready = ok(http.post("/v2/repository/index", "{ \"ready\" :\n\ttrue, \"other\": [1, {\"ready\": false}] }"));
        assertThat(ready).contains("{\"name\":\"twin\",\"version\":\"2\",\"state\":\"READY\"")
                .doesNotContain("FAILED");
        assertThat(ok(http.post("/v2/repository/index", "{\"ready\": false}"))).contains("FAILED");
        for (String bad : Arrays.asList("{\"ready\": 1}", "{\"ready\": tru", "[true]")) {
            HttpResponse<byte[]> response = http.post("/v2/repository/index", bad);
            assertThat(response.statusCode()).as(bad + ": " + Http.text(response)).isEqualTo(400);
        }
    }
}
