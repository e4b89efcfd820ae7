package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's HTTP extensions beyond the Open Inference Protocol: model configuration ({@code GET
 * /v2/models/NAME/config}, tritonclient's {@code get_model_config}) and statistics ({@code GET
 * /v2/models[/NAME[/versions/V]]/stats}, {@code get_inference_statistics}), in Triton's JSON form.
 */
class TritonExtensionsTest {

    private static InferenceServer server;
    private static Http http;

    @BeforeAll
    static void start(@TempDir Path repo) throws Exception {
        SharedModels.install(repo, "digits", "1", SharedModels.model("mnist_cnn_pytorch.onnx"), "max-batch-size=8",
                "max-queue-delay-ms=5", "preferred-batch-sizes=4,8", "max-concurrent-runs=2", "intra-op-threads=1");
        SharedModels.install(repo, "squeezenet", "3", SharedModels.model("squeezenet1.0-fp32.onnx"));
        Files.createDirectories(repo.resolve("broken/1"));
        Files.writeString(repo.resolve("broken/1/model.onnx"), "not onnx");
        ModelManager models = ModelManager.create(ModelRepository.of(repo), new ServingConfig(2,
                java.time.Duration.ofSeconds(5), ModelConfig.defaults()));
        models.loadAll();
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0));
        http = Http.to(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String config(String path) {
        HttpResponse<byte[]> response = http.get(path);
        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        return Http.text(response);
    }

    @Test
    void aBatchingModel_hasItsLargestBatch_andDimsWithoutTheBatchDimension() {
        assertThat(config("/v2/models/digits/config")).isEqualTo("{\"name\":\"digits\",\"platform\":\"onnxruntime_onnx\","
                + "\"backend\":\"onnxruntime\",\"max_batch_size\":8,"
                + "\"input\":[{\"name\":\"input_image\",\"data_type\":\"TYPE_FP32\",\"dims\":[1,28,28]}],"
                + "\"output\":[{\"name\":\"output_probs\",\"data_type\":\"TYPE_FP32\",\"dims\":[10]}],"
                + "\"dynamic_batching\":{\"preferred_batch_size\":[4,8],\"max_queue_delay_microseconds\":5000},"
                + "\"instance_group\":[{\"name\":\"digits\",\"kind\":\"KIND_CPU\",\"count\":2}],"
                + "\"default_model_filename\":\"model.onnx\","
                + "\"parameters\":{\"intra_op_thread_count\":{\"string_value\":\"1\"}}}");
    }

    @Test
    void aFixedBatchModel_hasMaxBatchSizeZero_andItsWholeShapes() {
        String config = config("/v2/models/squeezenet/versions/3/config");

        assertThat(config).contains("\"max_batch_size\":0,",
                "\"input\":[{\"name\":\"data_0\",\"data_type\":\"TYPE_FP32\",\"dims\":[1,3,224,224]}]",
                "\"output\":[{\"name\":\"softmaxout_1\",\"data_type\":\"TYPE_FP32\",\"dims\":[1,1000,1,1]}]",
                "\"count\":1}")
                .doesNotContain("dynamic_batching");
        assertThat(config).as("the served default: the machine's 2 cores for one concurrent run")
                .contains("\"intra_op_thread_count\":{\"string_value\":\"2\"}");
    }

    @Test
    void theServerMetadata_listsTheExtension() {
        assertThat(Http.text(http.get("/v2"))).contains("\"extensions\":[\"binary_tensor_data\",\"model_repository\","
                + "\"model_configuration\",\"statistics\"]");
    }

    @Test
    void anUnknownOrUnloadedModel_getsTheOipError() {
        HttpResponse<byte[]> unknown = http.get("/v2/models/nope/config");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(Http.text(unknown)).contains("Unknown model 'nope'");
        HttpResponse<byte[]> version = http.get("/v2/models/squeezenet/versions/9/config");
        assertThat(version.statusCode()).isEqualTo(404);
        HttpResponse<byte[]> broken = http.get("/v2/models/broken/config");
        assertThat(broken.statusCode()).isEqualTo(503);
        assertThat(Http.text(broken)).contains("Model broken version 1 is FAILED");
    }

    @Test
    void statistics_countWhatTheModelServed_inTritonsForm() {
        String before = Http.text(http.get("/v2/models/squeezenet/stats"));
        assertThat(before).isEqualTo("{\"model_stats\":[{\"name\":\"squeezenet\",\"version\":\"3\",\"last_inference\":0,"
                + "\"inference_count\":0,\"execution_count\":0,\"inference_stats\":{\"success\":{\"count\":0,\"ns\":0},"
                + "\"fail\":{\"count\":0,\"ns\":0},\"queue\":{\"count\":0,\"ns\":0},\"compute_input\":{\"count\":0,"
                + "\"ns\":0},\"compute_infer\":{\"count\":0,\"ns\":0},\"compute_output\":{\"count\":0,\"ns\":0},"
                + "\"cache_hit\":{\"count\":0,\"ns\":0},\"cache_miss\":{\"count\":0,\"ns\":0}},\"batch_stats\":[]}]}");
        long start = System.currentTimeMillis();
        String zeros = String.join(",", java.util.Collections.nCopies(784, "0"));
        String request = "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[2,1,28,28],\"datatype\":\"FP32\","
                + "\"data\":[" + zeros + "," + zeros + "]}]";
        for (int i = 0; i < 2; i++) {
            assertThat(http.post("/v2/models/digits/infer", request + "}").statusCode()).isEqualTo(200);
        }
        // A request that may take 1 microsecond waits for its batch (5 ms delay) and times out.
        assertThat(http.post("/v2/models/digits/infer", request + ",\"parameters\":{\"timeout\":1}}").statusCode())
                .isEqualTo(504);

        String stats = Http.text(http.get("/v2/models/digits/versions/1/stats"));

        // Three requests waited in the queue; the two that ran had their inputs decoded, computed and encoded.

        assertThat(stats).contains("\"name\":\"digits\",\"version\":\"1\"", "\"inference_count\":4,",
                "\"execution_count\":2,", "\"success\":{\"count\":2,", "\"fail\":{\"count\":1,",
                "\"queue\":{\"count\":3,", "\"compute_input\":{\"count\":2,", "\"compute_infer\":{\"count\":2,",
                "\"compute_output\":{\"count\":2,", "\"batch_stats\":[{\"batch_size\":2,\"compute_input\":{\"count\":2,");
        assertThat(stats).as("one batch size, two calls of two rows").containsOnlyOnce("\"batch_size\"")
                .containsPattern("\"batch_size\":2,.*\"compute_infer\":\\{\"count\":2,\"ns\":[1-9]");
        assertThat(stats).doesNotContain("\"compute_infer\":{\"count\":2,\"ns\":0}");
        long last = Long.parseLong(stats.replaceAll(".*\"last_inference\":(\\d+).*", "$1"));
        assertThat(last).as("when the last success was answered").isBetween(start, System.currentTimeMillis());
        assertThat(Http.text(http.get("/v2/models/stats"))).contains("\"name\":\"broken\"", "\"name\":\"digits\"",
                "\"name\":\"squeezenet\"");
        assertThat(http.get("/v2/models/nope/stats").statusCode()).isEqualTo(404);
        assertThat(http.get("/v2/models/digits/versions/7/stats").statusCode()).isEqualTo(404);
    }
}
