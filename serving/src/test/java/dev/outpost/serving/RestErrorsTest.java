package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every client mistake gets a 4xx with an OIP error body naming expected and received; the server keeps serving. */
class RestErrorsTest {

    private static InferenceServer server;
    private static Http http;
    private static final String MNIST = "/v2/models/mnist/infer";

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path repo) throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"));
        Files.createDirectories(repo.resolve("broken/1"));
        Files.writeString(repo.resolve("broken/1/model.onnx"), "not onnx");
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        models.loadAll();
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0).withMaxRequestBytes(64 * 1024));
        http = Http.to(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String zeros(int count) {
        String[] values = new String[count];
        Arrays.fill(values, "0");
        return String.join(",", values);
    }

    private static void assertError(HttpResponse<byte[]> response, int status, String... fragments) {
        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/json"));
        assertThat(Http.text(response)).startsWith("{\"error\":\"").contains(fragments);
    }

    @Test
    void unknownModelOrVersion_is404() {
        assertError(http.post("/v2/models/nope/infer", "{\"inputs\":[]}"), 404, "Unknown model 'nope'; known models are [broken, mnist]");
        assertError(http.post("/v2/models/mnist/versions/7/infer", "{\"inputs\":[]}"), 404, "has no version '7'; its versions are [1]");
        assertError(http.get("/v2/models/nope"), 404, "Unknown model 'nope'");
        assertError(http.get("/v2/models/mnist/versions/x/ready"), 404, "has no version 'x'");
    }

    @Test
    void compressedBodies_thatAreUnknownCorruptOrTooLargeOnceDecoded_are4xx_andTheServerKeepsServing() throws Exception {
        String request = "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"data\":[" + zeros(784) + "]}]}";
        byte[] gzipped = gzip(request.getBytes(StandardCharsets.UTF_8));

        assertError(http.post(MNIST, request.getBytes(StandardCharsets.UTF_8), "application/json", "Content-Encoding",
                "br"), 400, "Unsupported Content-Encoding 'br'; this server decodes gzip, x-gzip, deflate and identity");
        assertError(http.post(MNIST, request.getBytes(StandardCharsets.UTF_8), "application/json", "Content-Encoding",
                "gzip"), 400, "could not be decoded as gzip (its Content-Encoding): Not in GZIP format");
        assertError(http.post(MNIST, Arrays.copyOf(gzipped, gzipped.length / 2), "application/json", "Content-Encoding",
                "gzip"), 400, "could not be decoded as gzip (its Content-Encoding): Unexpected end of ZLIB input stream");
        byte[] bomb = gzip(new byte[16 * 1024 * 1024]);
        assertThat(bomb.length).as("small enough to pass the 64 KiB limit compressed").isLessThan(64 * 1024);
        assertError(http.post(MNIST, bomb, "application/json", "Content-Encoding", "gzip"), 413,
                "The request body, decoded from gzip, has more than 65536 bytes; the limit is 65536");

        for (String coding : java.util.List.of("gzip", "x-gzip", "GZIP")) {
            HttpResponse<byte[]> answer = http.post(MNIST, gzipped, "application/json", "Content-Encoding", coding);
            assertThat(answer.statusCode()).as(coding + ": " + Http.text(answer)).isEqualTo(200);
            assertThat(Http.text(answer)).as("not compressed: the client did not ask").contains("\"output_probs\"");
        }
    }

    private static byte[] gzip(byte[] data) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(out)) {
            gzip.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void everyRefusal_isCountedOnceUnderItsCategory() {
        ServingMetrics metrics = server.models().metrics();
        java.util.Map<String, Long> before = new java.util.HashMap<>();
        for (String category : java.util.List.of("model_not_found", "invalid_request", "payload_too_large",
                "model_not_ready")) {
            before.put(category, metrics.errors(category));
        }

        assertError(http.post("/v2/models/nope/infer", "{\"inputs\":[]}"), 404, "Unknown model 'nope'");
        assertError(http.post(MNIST, "[1,2]"), 400, "must be a JSON object");
        assertError(http.post(MNIST, "{\"inputs\":[]}"), 400, "Missing input 'input_image'");
        assertError(http.post(MNIST, new byte[64 * 1024 + 1], "application/json"), 413, "the limit is 65536");
        assertError(http.post("/v2/models/broken/infer", "{\"inputs\":[]}"), 503, "is FAILED");

        // Decoding, checking against the model, the size limit and model resolution all fail before a
        // request reaches the model's queue; each is still counted once, by the transport that answers it.
        assertThat(metrics.errors("model_not_found") - before.get("model_not_found")).isEqualTo(1);
        assertThat(metrics.errors("invalid_request") - before.get("invalid_request")).isEqualTo(2);
        assertThat(metrics.errors("payload_too_large") - before.get("payload_too_large")).isEqualTo(1);
        assertThat(metrics.errors("model_not_ready") - before.get("model_not_ready")).isEqualTo(1);
        assertThat(metrics.scrape()).contains("outpost_errors_total{category=\"model_not_found\"} ");
    }

    @Test
    void malformedJson_is400() {
        assertError(http.post(MNIST, "{\"inputs\": [ {\"name\": "), 400, "Malformed JSON");
        assertError(http.post(MNIST, "[1,2]"), 400, "the request body must be a JSON object, got [");
        assertError(http.post(MNIST, "{\"inputs\": {}}"), 400, "'inputs' must be a JSON array");
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\"}]}"),
                400, "has neither 'data' nor a binary_data_size parameter");
    }

    @Test
    void wrongShapeDatatypeCountOrMissingInput_is400_namingExpectedAndReceived() {
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,28,28],\"datatype\":\"FP32\","
                + "\"data\":[" + zeros(784) + "]}]}"), 400, "Input 'input_image' has shape [1, 28, 28]; model mnist@1 expects");
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP64\","
                + "\"data\":[" + zeros(784) + "]}]}"), 400, "has datatype FP64; model mnist@1 expects FP32");
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3]}]}"), 400, "has 3 values in 'data'; its shape [1, 1, 28, 28] needs 784");
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP99\","
                + "\"data\":[]}]}"), 400, "has datatype 'FP99'; expected one of [BOOL, UINT8");
        assertError(http.post(MNIST, "{\"inputs\":[]}"), 400, "Missing input 'input_image' (FP32");
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"pixels\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}"),
                400, "Unknown input 'pixels' for model mnist@1; its inputs are [input_image FP32");
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"data\":[" + zeros(784) + "]}],\"outputs\":[{\"name\":\"logits\"}]}"), 400,
                "Unknown output 'logits' for model mnist@1; its outputs are [output_probs]");
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"data\":[\"a\"" + ",0".repeat(783) + "]}]}"), 400, "has value a in 'data'; expected a number");
    }

    @Test
    void binaryByteCountThatDoesNotFit_is400() {
        String json = "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":100}}]}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(header, header.length + 100);
        assertError(http.post(MNIST, body, null, "Inference-Header-Content-Length", String.valueOf(header.length)), 400,
                "has binary_data_size 100; FP32[1, 1, 28, 28] needs 3136 bytes");
        assertError(http.post(MNIST, Arrays.copyOf(header, header.length + 50), null, "Inference-Header-Content-Length",
                String.valueOf(header.length)), 400, "binary_data_size 100 but only 50 bytes of binary data are left");
        assertError(http.post(MNIST, header, null, "Inference-Header-Content-Length", "99999"), 400,
                "Inference-Header-Content-Length is 99999 but the body has only");
        assertError(http.post(MNIST, body, null, "Inference-Header-Content-Length", "abc"), 400, "must be a byte count");
    }

    @Test
    void jsonTheParserRefusesByItsLimitsOrEncoding_is400() {
        assertError(http.post(MNIST, "{\"deep\":" + "[".repeat(65) + "]".repeat(65) + ",\"inputs\":[]}"), 400,
                "Malformed JSON", "nesting depth (65) exceeds the maximum allowed (64");
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[" + "9".repeat(1001) + "]}]}"),
                400, "Malformed JSON", "Number value length (1001) exceeds the maximum allowed (1000");
        assertError(http.post(MNIST, new byte[] {0, 0, 0, '{', -1, -1, -1, -1}, "application/json"), 400,
                "Malformed JSON", "Invalid UTF-32 character");
    }

    @Test
    void dataBeforeDatatypeAndShape_isReadAsDataAfterThemIs() {
        String before = "{\"inputs\":[{\"name\":\"input_image\",\"data\":[%s" + ",0".repeat(783)
                + "],\"datatype\":\"FP32\",\"shape\":[1,1,28,28]}]}";
        HttpResponse<byte[]> infinite = http.post(MNIST, before.formatted("1e400"));
        assertThat(infinite.statusCode()).as(Http.text(infinite)).isEqualTo(200);
        assertError(http.post(MNIST, before.formatted("\"a\\nb\"")), 400,
                "Input 'input_image' (FP32) has value a\\nb in 'data'; expected a number");
    }

    @Test
    void shapeWithMoreElementsThanTheBodyCanHold_is400_withoutAllocatingItsTensor() {
        assertError(http.post(MNIST, "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1073741824],"
                + "\"datatype\":\"FP32\",\"data\":[1]}]}"), 400,
                "Input 'input_image' has 1 values in 'data'; its shape [1073741824] needs 1073741824");
        String json = "{\"inputs\":[{\"name\":\"s\",\"shape\":[1073741824],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"binary_data_size\":2}}]}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        assertError(http.post(MNIST, Arrays.copyOf(header, header.length + 2), null, "Inference-Header-Content-Length",
                String.valueOf(header.length)), 400, "Input 's' (BYTES) binary data ends after 0 of 1073741824 elements");
    }

    @Test
    void tooLargeBody_is413() {
        assertError(http.post(MNIST, new byte[64 * 1024 + 1], "application/json"), 413,
                "The request body has 65537 bytes; the limit is 65536");
    }

    @Test
    void failedModel_isNotReady_withItsReasonInTheMetadata_andTheServerStaysReady() {
        HttpResponse<byte[]> metadata = http.get("/v2/models/broken");
        assertThat(metadata.statusCode()).isEqualTo(200);
        assertThat(Http.text(metadata)).contains("\"state\":\"FAILED\"", "\"reason\":\"");
        assertThat(http.get("/v2/models/broken/ready").statusCode()).isEqualTo(400);
        assertThat(http.get("/v2/models/mnist/ready").statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
        assertError(http.post("/v2/models/broken/infer", "{\"inputs\":[]}"), 503, "is FAILED");
    }

    @Test
    void imageEndpoints_refuseWhatIsNotAnImage_orAModelWithoutAPipeline() {
        assertError(http.post("/v2/models/mnist/classify", "not an image".getBytes(StandardCharsets.UTF_8), "image/png"),
                400, "the request body");
        assertError(http.post("/v2/models/mnist/classify", "x".getBytes(StandardCharsets.UTF_8),
                "multipart/form-data; boundary=abc"), 400, "holds no file part");
    }

    @Test
    void repositoryApi_indexesLoadsAndUnloads_andNamesALoadFailure() {
        HttpResponse<byte[]> index = http.post("/v2/repository/index", "{}");
        assertThat(Http.text(index)).contains("{\"name\":\"broken\",\"version\":\"1\",\"state\":\"FAILED\"",
                "{\"name\":\"mnist\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"}");
        assertThat(Http.text(http.post("/v2/repository/index", "{\"ready\": true}"))).doesNotContain("broken");
        assertError(http.post("/v2/repository/models/broken/load", ""), 400, "Model broken failed to load: [version 1:");
        assertError(http.post("/v2/repository/models/ghost/load", ""), 404, "Unknown model 'ghost'");
    }

    /** Unknown names and versions are counted under "": a client cannot add a /metrics series per name it makes up. */
    @org.junit.jupiter.api.Test
    void unknownModelsAndVersions_areCountedUnderOneLabel_notOneSeriesEach() {
        for (int i = 0; i < 40; i++) {
            assertError(http.post("/v2/models/made-up-" + i + "/infer", "{\"inputs\":[]}"), 404, "made-up-" + i);
            assertError(http.post("/v2/models/mnist/versions/" + (100 + i) + "/infer", "{\"inputs\":[]}"), 404, "version");
        }
        String metrics = Http.text(http.get("/metrics"));

        assertThat(metrics).doesNotContain("made-up-").doesNotContain("version=\"100\"");
        assertThat(metrics).containsPattern("outpost_requests_total\\{model=\"\",version=\"\",status=\"404\"} [1-9]")
                .containsPattern("outpost_requests_total\\{model=\"mnist\",version=\"\",status=\"404\"} [1-9]");
    }
}
