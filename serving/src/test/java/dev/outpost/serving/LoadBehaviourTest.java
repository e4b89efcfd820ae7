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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saturation, dynamic batching, timeouts, graceful shutdown and metrics, on a real server. */
class LoadBehaviourTest {

    @TempDir
    Path repo;

    private final CountDownLatch release = new CountDownLatch(1);
    private final java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    private InferenceServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.close();
        }
        clients.shutdownNow();
    }

    private Http start(ModelManager models, boolean holdRuns) {
        models.loadAll();
        if (holdRuns) {
            models.beforeRun(RunHold.until(entered, release));
        }
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0));
        return Http.to(server);
    }

    /** A manager over mnist_cnn_pytorch with the given config lines, timed by {@code time}. */
    private ModelManager mnistOn(ManualTime time, String... config) {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"), config);
        return ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults(), time, time);
    }

    private static float[] digit(long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256);
        }
        return pixels;
    }

    /** A binary request for mnist_cnn_pytorch (Triton client format), asking for binary output. */
    private static byte[][] request(float[] pixels) {
        return request(pixels, "");
    }

    /** Like {@link #request(float[])}, with more request parameters ({@code , "name": value}). */
    private static byte[][] request(float[] pixels, String moreParameters) {
        String json = "{\"inputs\": [{\"name\": \"input_image\", \"shape\": [1, 1, 28, 28], \"datatype\": \"FP32\", "
                + "\"parameters\": {\"binary_data_size\": 3136}}], \"parameters\": {\"binary_data_output\": true"
                + moreParameters + "}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(header.length + 3136).order(ByteOrder.LITTLE_ENDIAN);
        body.put(header);
        for (float pixel : pixels) {
            body.putFloat(pixel);
        }
        return new byte[][] {body.array(), String.valueOf(header.length).getBytes(StandardCharsets.UTF_8)};
    }

    private CompletableFuture<HttpResponse<byte[]>> send(Http http, float[] pixels) {
        return send(http, request(pixels));
    }

    private CompletableFuture<HttpResponse<byte[]>> send(Http http, byte[][] request) {
        return CompletableFuture.supplyAsync(() -> http.post("/v2/models/mnist/infer", request[0], null,
                "Inference-Header-Content-Length", new String(request[1], StandardCharsets.UTF_8)), clients);
    }

    private static float[] outputOf(HttpResponse<byte[]> response) {
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        float[] values = new float[10];
        ByteBuffer.wrap(response.body(), jsonLength, 40).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void saturation_theExcessGets503AtOnce_acceptedRequestsStillFinish() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"),
                "max-queue-size=2", "max-concurrent-runs=1");
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        Http http = start(models, true);
        List<CompletableFuture<HttpResponse<byte[]>>> accepted = new ArrayList<>();
        accepted.add(send(http, digit(0)));
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).as("first run started").isTrue();
        accepted.add(send(http, digit(1)));
        accepted.add(send(http, digit(2)));
        awaitTrue(() -> models.loaded("mnist", "").scheduler().queued() == 2, "two queued requests");

        List<CompletableFuture<HttpResponse<byte[]>>> excess = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            excess.add(send(http, digit(10 + i)));
        }
        for (CompletableFuture<HttpResponse<byte[]>> rejected : excess) {
            HttpResponse<byte[]> response = rejected.get(20, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).contains("1");
            assertThat(Http.text(response)).contains("max-queue-size 2");
        }
        assertThat(accepted).as("accepted requests wait while the run is held").noneMatch(CompletableFuture::isDone);

        release.countDown();
        for (CompletableFuture<HttpResponse<byte[]>> answer : accepted) {
            assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(models.metrics().errors("queue_full")).isEqualTo(6);
        String metrics = Http.text(http.get("/metrics"));
        assertThat(metrics).contains("outpost_requests_total{model=\"mnist\",version=\"1\",status=\"503\"} 6",
                "outpost_requests_total{model=\"mnist\",version=\"1\",status=\"200\"} 3",
                "outpost_errors_total{category=\"queue_full\"} 6");
    }

    @Test
    void dynamicBatching_servesConcurrentRequestsInOneBatch_withTheUnbatchedAnswers() throws Exception {
        Path file = SharedModels.model("mnist_cnn_pytorch.onnx");
        SharedModels.install(repo, "mnist", "1", file, "max-batch-size=4", "max-queue-delay-ms=600000");
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        Http http = start(models, false);
        List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(send(http, digit(100 + i)));
        }
        try (InferenceEngine engine = InferenceEngine.create(); ModelSession session = engine.open(file)) {
            for (int i = 0; i < 4; i++) {
                HttpResponse<byte[]> response = answers.get(i).get(30, TimeUnit.SECONDS);
                assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
                try (Tensor input = Tensor.of(digit(100 + i), 1, 1, 28, 28);
                     Outputs alone = session.run(Map.of("input_image", input))) {
                    assertThat(outputOf(response)).containsExactly(alone.get("output_probs").toFloatArray());
                }
            }
        }
        String metrics = Http.text(http.get("/metrics"));
        assertThat(metrics).as("one model call of 4 rows (the queue delay is 10 minutes: only a full batch runs)")
                .contains("outpost_batch_size_bucket{model=\"mnist\",version=\"1\",le=\"2\"} 0",
                        "outpost_batch_size_bucket{model=\"mnist\",version=\"1\",le=\"4\"} 1",
                        "outpost_batch_size_sum{model=\"mnist\",version=\"1\"} 4",
                        "outpost_batch_size_count{model=\"mnist\",version=\"1\"} 1");
    }

    @Test
    void preferredBatchSize_isDispatchedAtOnce_withoutWaitingForTheMaxBatch() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"), "max-batch-size=8",
                "max-queue-delay-ms=600000", "preferred-batch-sizes=3");
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        Http http = start(models, false);
        List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answers.add(send(http, digit(200 + i)));
        }
        for (CompletableFuture<HttpResponse<byte[]>> answer : answers) {
            assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(Http.text(http.get("/metrics"))).as("one call of 3 rows, though a batch of 8 could form in 10 minutes")
                .contains("outpost_batch_size_sum{model=\"mnist\",version=\"1\"} 3",
                        "outpost_batch_size_count{model=\"mnist\",version=\"1\"} 1");
    }

    @Test
    void requestTimeout_aQueuedRequestThatTimesOutGets504_andNeverRuns() throws Exception {
        ManualTime time = new ManualTime();
        ModelManager models = mnistOn(time, "request-timeout-ms=500");
        Http http = start(models, true);
        CompletableFuture<HttpResponse<byte[]>> first = send(http, digit(0));
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<HttpResponse<byte[]>> second = send(http, digit(1));
        awaitTrue(() -> models.loaded("mnist", "").scheduler().queued() == 1, "a queued request");

        time.advance(Duration.ofMillis(500));

        HttpResponse<byte[]> timedOut = second.get(20, TimeUnit.SECONDS);
        assertThat(timedOut.statusCode()).isEqualTo(504);
        assertThat(Http.text(timedOut)).contains("waited in the queue for 500 ms and never ran; request-timeout is 500 ms");
        release.countDown();
        assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).as("the running request had also timed out")
                .isEqualTo(504);
        assertThat(entered.tryAcquire(200, TimeUnit.MILLISECONDS)).as("no second model call").isFalse();
        assertThat(time.isClosed()).isFalse();
    }

    @Test
    void requestTimeout_anImageRequestThatTimesOut_stopsItsPipelineRun() throws Exception {
        ManualTime time = new ManualTime();
        ModelManager models = mnistOn(time, "request-timeout-ms=500");
        Http http = start(models, true);
        java.awt.image.BufferedImage digit = new java.awt.image.BufferedImage(28, 28,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        assertThat(javax.imageio.ImageIO.write(digit, "png", png)).isTrue();
        CompletableFuture<HttpResponse<byte[]>> classify = CompletableFuture.supplyAsync(
                () -> http.post("/v2/models/mnist/classify", png.toByteArray(), "image/png"), clients);
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).as("the image's run started").isTrue();

        time.advance(Duration.ofMillis(500));
        // The image runs on the handler's own thread, so its answer is written once the held run returns.
        release.countDown();

        HttpResponse<byte[]> timedOut = classify.get(20, TimeUnit.SECONDS);
        assertThat(timedOut.statusCode()).isEqualTo(504);
        assertThat(Http.text(timedOut)).contains("was still running; request-timeout is 500 ms");
        assertThat(Http.text(http.get("/metrics"))).as("the pipeline's model call was stopped, not run for nobody")
                .contains("outpost_model_runs_stopped_total{model=\"mnist\",version=\"1\"} 1");
    }

    /** Triton's clients send infer(..., timeout=us) as the request parameter "timeout", in microseconds. */
    @Test
    void tritonsTimeoutParameter_limitsThatRequestOnly_andAMalformedOneIs400() throws Exception {
        ManualTime time = new ManualTime();
        ModelManager models = mnistOn(time, "request-timeout-ms=60000");
        Http http = start(models, true);
        CompletableFuture<HttpResponse<byte[]>> first = send(http, digit(0));
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<HttpResponse<byte[]>> patient = send(http, digit(1));
        CompletableFuture<HttpResponse<byte[]>> hurried = send(http, request(digit(2), ", \"timeout\": 250000"));
        // the hurried request's timer is armed just after it is queued: wait for it too, or the advance
        // below can come first and leave that timer armed for a moment already past, never run
        awaitTrue(() -> models.loaded("mnist", "").scheduler().queued() == 2 && time.pendingTasks() == 2,
                "two queued requests, and a timer for the hurried one besides the first request's");

        time.advance(Duration.ofMillis(250));

        HttpResponse<byte[]> timedOut = hurried.get(20, TimeUnit.SECONDS);
        assertThat(timedOut.statusCode()).isEqualTo(504);
        assertThat(Http.text(timedOut)).contains("never ran; the request's timeout parameter is 250000 us");
        release.countDown();
        assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(patient.get(20, TimeUnit.SECONDS).statusCode()).as("the model's 60 s still hold for it").isEqualTo(200);

        HttpResponse<byte[]> malformed = send(http, request(digit(3), ", \"timeout\": \"soon\"")).get(20, TimeUnit.SECONDS);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(Http.text(malformed)).contains("'timeout' parameter must be a positive whole number of microseconds, got soon");
    }

    @Test
    void gracefulShutdown_refusesNewRequests_drainsTheRunningOne_thenCloses() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"));
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        Http http = start(models, true);
        CompletableFuture<HttpResponse<byte[]>> inFlight = send(http, digit(0));
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).isTrue();

        LoadedModel loaded = models.loaded("mnist", "");
        InferenceServer closing = server;
        CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close, clients);
        closing.draining().get(20, TimeUnit.SECONDS);

        HttpResponse<byte[]> refused = send(http, digit(1)).get(20, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(Http.text(refused)).contains("shutting down");
        assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(503);
        assertThat(http.get("/v2/health/live").statusCode()).as("live while draining").isEqualTo(200);
        assertThat(closed).isNotDone();

        release.countDown();
        assertThat(inFlight.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        closed.get(30, TimeUnit.SECONDS);
        assertThat(loaded.session().isClosed()).as("sessions close after the drain").isTrue();
        server = null;
    }

    @Test
    void metrics_areValidPrometheusText_withCumulativeHistogramsAndMemory() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"));
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        Http http = start(models, false);
        for (int i = 0; i < 3; i++) {
            assertThat(send(http, digit(i)).get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        HttpResponse<byte[]> response = http.get("/metrics");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("text/plain; version=0.0.4"));
        String text = Http.text(response);
        for (String family : List.of("outpost_request_queue_seconds", "outpost_request_preprocess_seconds",
                "outpost_request_compute_seconds", "outpost_request_postprocess_seconds", "outpost_request_total_seconds")) {
            assertThat(text).contains("# HELP " + family + " ", "# TYPE " + family + " histogram",
                    family + "_bucket{model=\"mnist\",version=\"1\",le=\"+Inf\"} 3",
                    family + "_count{model=\"mnist\",version=\"1\"} 3", family + "_sum{model=\"mnist\",version=\"1\"} ");
            long previous = 0;
            for (String line : text.lines().filter(line -> line.startsWith(family + "_bucket{")).toList()) {
                long count = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                assertThat(count).as("cumulative: " + line).isGreaterThanOrEqualTo(previous);
                previous = count;
            }
        }
        assertThat(text).contains("# TYPE outpost_requests_total counter",
                "outpost_requests_total{model=\"mnist\",version=\"1\",status=\"200\"} 3",
                "outpost_inflight_requests{model=\"mnist\",version=\"1\"} 0",
                "# TYPE outpost_model_load_seconds gauge", "outpost_model_load_seconds{model=\"mnist\",version=\"1\"} ",
                "jvm_memory_used_bytes{area=\"heap\"} ", "jvm_buffer_memory_used_bytes{pool=\"direct\"} ");
        if (java.nio.file.Files.isReadable(Path.of("/proc/self/status"))) {
            assertThat(text).containsPattern("process_resident_memory_bytes [1-9][0-9]+\n");
            long resident = gauge(text, "process_resident_memory_bytes");
            long nativeBytes = gauge(text, "outpost_native_memory_bytes");
            assertThat(nativeBytes).as("native memory holds at least the loaded ONNX Runtime library and model")
                    .isGreaterThan(1 << 20).isLessThan(resident);
        }
        assertThat(text.lines().filter(line -> !line.startsWith("#") && !line.isBlank()))
                .allMatch(line -> line.matches("[a-z_]+(\\{[^}]*\\})? [-+0-9.EInfNa]+"), "name{labels} value");
    }

    private static long gauge(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> (long) Double.parseDouble(line.substring(name.length() + 1)))
                .orElseThrow(() -> new AssertionError("no " + name + " in /metrics"));
    }
}
