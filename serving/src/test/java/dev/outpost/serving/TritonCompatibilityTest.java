package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.Tensor;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests built byte for byte as Triton's Python HTTP client formats them (tritonclient/http/_utils.py
 * {@code _get_inference_request}: {@code json.dumps} of {"id"?, "inputs": [{"name", "shape", "datatype",
 * "parameters": {"binary_data_size"}}], "outputs"?: [{"name", "parameters": {"binary_data"}}],
 * "parameters"?}, then the raw input bytes, with the Inference-Header-Content-Length header), against
 * real models; answers checked against in-process ModelSession outputs.
 */
class TritonCompatibilityTest {

    private static InferenceServer server;
    private static Http http;
    private static InferenceEngine engine;

    @BeforeAll
    static void start() {
        Path squeezenet = SharedModels.model("squeezenet1.0-fp32.onnx");
        Path mnist = SharedModels.model("mnist_cntk.onnx");
        Path yolox = SharedModels.model("yolox_nano.onnx");
        ModelManager models = ModelManager.create(ModelRepository.ofFiles(List.of(squeezenet, mnist, yolox)),
                ServingConfig.defaults());
        models.loadAll();
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0));
        http = Http.to(server);
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
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

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return buffer.array();
    }

    private static float[] floats(byte[] body, int offset, int count) {
        float[] values = new float[count];
        ByteBuffer.wrap(body, offset, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    private static float[] expected(Path modelFile, String input, float[] values, long[] shape, String output) {
        try (ModelSession session = engine.open(modelFile);
             Tensor tensor = Tensor.of(values, shape);
             Outputs outputs = session.run(Map.of(input, tensor))) {
            return outputs.get(output).toFloatArray();
        }
    }

    /** The values as JSON numbers, as Python's json.dumps (", ") or a compact writer (",") separates them. */
    private static String joined(float[] values, String separator) {
        StringBuilder out = new StringBuilder();
        for (float value : values) {
            out.append(out.isEmpty() ? "" : separator).append(value);
        }
        return out.toString();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = new byte[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    @Test
    void squeezenet_binaryInputAndOutput_asTritonsPythonClientSendsThem() {
        float[] pixels = random(7, 3 * 224 * 224, 2f);
        String json = "{\"id\": \"req-42\", \"inputs\": [{\"name\": \"data_0\", \"shape\": [1, 3, 224, 224], "
                + "\"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": " + pixels.length * 4 + "}}], "
                + "\"outputs\": [{\"name\": \"softmaxout_1\", \"parameters\": {\"binary_data\": true}}]}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);

        HttpResponse<byte[]> response = http.post("/v2/models/squeezenet1.0-fp32/infer", concat(header,
                littleEndian(pixels)), null, "Inference-Header-Content-Length", String.valueOf(header.length));

        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        String answer = new String(response.body(), 0, jsonLength, StandardCharsets.UTF_8);
        assertThat(answer).contains("\"model_name\":\"squeezenet1.0-fp32\"", "\"model_version\":\"1\"",
                "\"id\":\"req-42\"", "\"name\":\"softmaxout_1\"", "\"datatype\":\"FP32\"", "\"shape\":[1,1000,1,1]",
                "\"binary_data_size\":4000");
        assertThat(response.body().length - jsonLength).isEqualTo(4000);
        assertThat(floats(response.body(), jsonLength, 1000)).containsExactly(expected(
                SharedModels.model("squeezenet1.0-fp32.onnx"), "data_0", pixels, new long[] {1, 3, 224, 224},
                "softmaxout_1"));
    }

    @Test
    void mnist_jsonTensors_withoutOutputsListed_comeBackInBinary_asTritonsClientAsks() {
        float[] pixels = random(3, 28 * 28, 255f);
        String data = joined(pixels, ", ");
        // No outputs listed: Triton's client adds "binary_data_output": true to the request parameters.
        String json = "{\"inputs\": [{\"name\": \"Input3\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": [" + data + "]}], \"parameters\": {\"binary_data_output\": true}}";

        HttpResponse<byte[]> response = http.post("/v2/models/mnist_cntk/infer", json);

        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(floats(response.body(), jsonLength, 10)).containsExactly(expected(
                SharedModels.model("mnist_cntk.onnx"), "Input3", pixels, new long[] {1, 1, 28, 28},
                "Plus214_Output_0"));
    }

    /**
     * {@code infer(..., request_compression_algorithm="gzip", response_compression_algorithm="gzip")}:
     * the client gzips the whole body (JSON and binary; Inference-Header-Content-Length still counts the
     * uncompressed JSON) and asks for a gzipped answer with Accept-Encoding.
     */
    @Test
    void squeezenet_gzippedBinaryRequest_andGzippedAnswer_asTritonsClientCompressesThem() throws Exception {
        float[] pixels = random(8, 3 * 224 * 224, 2f);
        String json = "{\"inputs\": [{\"name\": \"data_0\", \"shape\": [1, 3, 224, 224], \"datatype\": \"FP32\", "
                + "\"parameters\": {\"binary_data_size\": " + pixels.length * 4 + "}}], "
                + "\"outputs\": [{\"name\": \"softmaxout_1\", \"parameters\": {\"binary_data\": true}}]}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream gzipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gzipped)) {
            out.write(concat(header, littleEndian(pixels)));
        }

        HttpResponse<byte[]> response = http.post("/v2/models/squeezenet1.0-fp32/infer", gzipped.toByteArray(), null,
                "Inference-Header-Content-Length", String.valueOf(header.length), "Content-Encoding", "gzip",
                "Accept-Encoding", "gzip");

        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
        byte[] body;
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(response.body()))) {
            body = in.readAllBytes();
        }
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(new String(body, 0, jsonLength, StandardCharsets.UTF_8)).contains("\"binary_data_size\":4000");
        assertThat(body.length - jsonLength).isEqualTo(4000);
        assertThat(floats(body, jsonLength, 1000)).containsExactly(expected(SharedModels.model("squeezenet1.0-fp32.onnx"),
                "data_0", pixels, new long[] {1, 3, 224, 224}, "softmaxout_1"));
    }

    /** {@code request_compression_algorithm="deflate"}: Python's zlib.compress, the zlib format HTTP calls deflate. */
    @Test
    void mnist_deflatedJsonRequest_andDeflatedAnswer() throws Exception {
        float[] pixels = random(5, 28 * 28, 255f);
        String data = joined(pixels, ", ");
        String json = "{\"inputs\": [{\"name\": \"Input3\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"data\": [" + data + "]}], \"parameters\": {\"binary_data_output\": true}}";
        java.io.ByteArrayOutputStream deflated = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.DeflaterOutputStream(deflated)) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }

        HttpResponse<byte[]> response = http.post("/v2/models/mnist_cntk/infer", deflated.toByteArray(),
                "application/json", "Content-Encoding", "deflate", "Accept-Encoding", "deflate");

        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Encoding")).hasValue("deflate");
        byte[] body;
        try (var in = new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(response.body()))) {
            body = in.readAllBytes();
        }
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(floats(body, jsonLength, 10)).containsExactly(expected(SharedModels.model("mnist_cntk.onnx"),
                "Input3", pixels, new long[] {1, 1, 28, 28}, "Plus214_Output_0"));
    }

    @Test
    void mnist_jsonOutputs_whenBinaryIsNotAsked() {
        float[] pixels = random(4, 28 * 28, 255f);
        String data = joined(pixels, ",");
        String json = "{\"inputs\":[{\"name\":\"Input3\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":[" + data
                + "]}],\"outputs\":[{\"name\":\"Plus214_Output_0\",\"parameters\":{\"binary_data\":false}}]}";

        HttpResponse<byte[]> response = http.post("/v2/models/mnist_cntk/versions/1/infer", json);

        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        assertThat(response.headers().firstValue("Inference-Header-Content-Length")).isEmpty();
        String text = Http.text(response);
        String values = text.substring(text.indexOf("\"data\":[") + 8, text.indexOf(']', text.indexOf("\"data\":[")));
        float[] served = new float[10];
        String[] parts = values.split(",");
        for (int i = 0; i < 10; i++) {
            served[i] = Float.parseFloat(parts[i]);
        }
        assertThat(served).containsExactly(expected(SharedModels.model("mnist_cntk.onnx"), "Input3", pixels,
                new long[] {1, 1, 28, 28}, "Plus214_Output_0"));
    }

    @Test
    void yoloxNano_binaryRequest_withoutOutputs_returnsEveryOutputInBinary() {
        float[] pixels = random(11, 3 * 416 * 416, 255f);
        String json = "{\"inputs\": [{\"name\": \"images\", \"shape\": [1, 3, 416, 416], \"datatype\": \"FP32\", "
                + "\"parameters\": {\"binary_data_size\": " + pixels.length * 4 + "}}], "
                + "\"parameters\": {\"binary_data_output\": true}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);

        HttpResponse<byte[]> response = http.post("/v2/models/yolox_nano/infer", concat(header, littleEndian(pixels)),
                "application/octet-stream", "Inference-Header-Content-Length", String.valueOf(header.length));

        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(new String(response.body(), 0, jsonLength, StandardCharsets.UTF_8))
                .contains("\"shape\":[1,3549,85]", "\"binary_data_size\":" + 3549 * 85 * 4);
        assertThat(floats(response.body(), jsonLength, 3549 * 85)).containsExactly(expected(
                SharedModels.model("yolox_nano.onnx"), "images", pixels, new long[] {1, 3, 416, 416}, "output"));
    }

    @Test
    void classify_andDetect_realImages_throughTheModelsPipelines() throws Exception {
        byte[] jpeg = java.nio.file.Files.readAllBytes(SharedModels.data("imagenet-samples/images/n01440764_tench.JPEG"));
        HttpResponse<byte[]> classes = http.post("/v2/models/squeezenet1.0-fp32/classify", jpeg, "image/jpeg");
        assertThat(classes.statusCode()).as(Http.text(classes)).isEqualTo(200);
        assertThat(Http.text(classes)).contains("\"classes\":[{\"class_index\":");

        String boundary = "----outpost-test-boundary";
        byte[] multipart = concat(concat(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; "
                + "filename=\"tench.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                jpeg), ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        HttpResponse<byte[]> viaForm = http.post("/v2/models/squeezenet1.0-fp32/classify", multipart,
                "multipart/form-data; boundary=" + boundary);
        assertThat(viaForm.statusCode()).as(Http.text(viaForm)).isEqualTo(200);
        String first = Http.text(classes);
        assertThat(Http.text(viaForm).substring(0, Http.text(viaForm).indexOf("timings_ms")))
                .isEqualTo(first.substring(0, first.indexOf("timings_ms")));

        java.nio.file.Path cocoDir = SharedModels.data("coco-val2017-subset");
        java.nio.file.Path image;
        try (var files = java.nio.file.Files.walk(cocoDir)) {
            image = files.filter(file -> file.toString().endsWith("000000000139.jpg")).findFirst().orElseThrow();
        }
        Histogram preprocess = server.models().metrics().model("yolox_nano", "1").preprocess;
        long countBefore = preprocess.count();
        double sumBefore = preprocess.sum();
        HttpResponse<byte[]> boxes = http.post("/v2/models/yolox_nano/detect", java.nio.file.Files.readAllBytes(image),
                "image/jpeg");
        assertThat(boxes.statusCode()).as(Http.text(boxes)).isEqualTo(200);
        // The histogram holds the image's decoding and the pipeline's preprocessing (the answer reports the latter).
        java.util.regex.Matcher reported = java.util.regex.Pattern.compile("\"preprocess\":([\\d.Ee-]+)")
                .matcher(Http.text(boxes));
        assertThat(reported.find()).as(Http.text(boxes)).isTrue();
        assertThat(preprocess.count()).isEqualTo(countBefore + 1);
        assertThat(preprocess.sum() - sumBefore).isGreaterThanOrEqualTo(Double.parseDouble(reported.group(1)) / 1000);
        assertThat(Http.text(boxes)).contains("\"detections\":[{").contains("\"label\":\"person\"").contains("\"box\":[");

        HttpResponse<byte[]> wrongKind = http.post("/v2/models/yolox_nano/classify", jpeg, "image/jpeg");
        assertThat(wrongKind.statusCode()).isEqualTo(400);
        assertThat(Http.text(wrongKind)).contains("is a detection model; use /v2/models/yolox_nano/detect");
    }
}
