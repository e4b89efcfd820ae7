package dev.outpost.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.outpost.runtime.Classification;
import dev.outpost.runtime.Detection;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.PipelineRun;
import dev.outpost.runtime.Prediction;
import dev.outpost.runtime.TensorSpec;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderName;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Open Inference Protocol v2 server over a {@link ModelManager}: REST (Helidon SE WebServer, one
 * virtual thread per request) and, when {@link ServerConfig#grpcPort()} is not
 * {@link ServerConfig#GRPC_OFF}, the KServe v2 {@code GRPCInferenceService} on its own port over the
 * same manager. REST offers health, server and model metadata, readiness, inference with JSON
 * or binary tensors, the repository API, image classify/detect endpoints and Prometheus
 * {@code /metrics}. Error bodies are {@code {"error": "..."}}; see {@link HttpErrors} for statuses.
 *
 * <p>Thread-safe. The server owns the manager it was started with: {@link #close()} stops taking
 * requests (503 / UNAVAILABLE), drains queued and running ones, stops both listeners, then closes
 * the manager.
 * Close is idempotent.
 */
public final class InferenceServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(InferenceServer.class.getName());
    private static final HeaderName INFERENCE_HEADER = HeaderNames.create(OipCodec.HEADER_LENGTH);
    private static final String JSON = "application/json";
    private static final long GRPC_STOP_SECONDS = 5;
    /** Helidon's default of 4 KiB cuts a 1 MB tensor answer into 256 socket writes. */
    private static final int WRITE_BUFFER_BYTES = 256 * 1024;

    private final ModelManager models;
    private final ServerConfig config;
    private final WebServer server;
    private final io.grpc.Server grpc;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * REST inference and image requests between their arrival and their answer's last byte. The
     * model queues draining is not enough: an answered request still has its response to encode and
     * write, and stopping the listener then would cut it off (a real SIGTERM did, with three queued
     * requests).
     */
    private final java.util.concurrent.atomic.AtomicInteger answering = new java.util.concurrent.atomic.AtomicInteger();
    private final CompletableFuture<Void> allAnswered = new CompletableFuture<>();
    private final CompletableFuture<Void> draining = new CompletableFuture<>();

    private InferenceServer(ModelManager models, ServerConfig config) {
        this.models = models;
        this.config = config;
        // Helidon logs a bind failure with its stack trace and starts nothing; a port that is taken is
        // found here first, so the caller gets one clear message instead.
        requireFree(config.host(), config.port(), "");
        if (config.grpcPort() != ServerConfig.GRPC_OFF) {
            requireFree(config.host(), config.grpcPort(), "gRPC port " + config.grpcPort() + ": ");
        }
        this.server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .writeBufferSize(WRITE_BUFFER_BYTES)
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .contentEncoding(HttpCompression.context())
                .directHandlers(handlers -> handlers.addHandler(DirectHandler.EventType.BAD_REQUEST,
                        new TransportErrors()))
                .shutdownHook(false)
                .routing(this::routes)
                .build()
                .start();
        if (config.grpcPort() == ServerConfig.GRPC_OFF) {
            this.grpc = null;
            return;
        }
        try {
            // Direct executor: calls run on the transport's event loop instead of being handed to a pool
            // thread first (measured: 0.1 ms less per call on the 2-vCPU VM). GrpcInferenceService never
            // blocks there: inference is queued to the model's threads, repository loads get a thread.
            this.grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.grpcPort()))
                    .directExecutor()
                    .maxInboundMessageSize((int) config.maxRequestBytes())
                    .decompressorRegistry(GrpcCompression.decompressors())
                    .compressorRegistry(GrpcCompression.compressors())
                    .addService(new GrpcInferenceService(models, () -> !closed.get()).definition())
                    .build()
                    .start();
        } catch (IOException e) {
            server.stop();
            throw new java.io.UncheckedIOException("gRPC cannot listen on " + config.host() + ":" + config.grpcPort()
                    + ": " + e.getMessage(), e);
        }
    }

    /** Throws when {@code port} (not 0) cannot be bound on {@code host} now. */
    private static void requireFree(String host, int port, String what) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(what + "the address is in use or not allowed (" + e.getMessage()
                    + ")", e);
        }
    }

    /**
     * Starts listening. Load the models first ({@link ModelManager#loadAll()}); the server reports
     * ready as soon as it listens.
     *
     * @param models the manager to serve; the server takes ownership and closes it
     */
    public static InferenceServer start(ModelManager models, ServerConfig config) {
        return new InferenceServer(models, config);
    }

    /** The port the server listens on (the one picked when the config said 0). */
    public int port() {
        return server.port();
    }

    /**
     * The port gRPC listens on (the one picked when the config said 0).
     *
     * @throws IllegalStateException when gRPC is off
     */
    public int grpcPort() {
        if (grpc == null) {
            throw new IllegalStateException("InferenceServer serves no gRPC (grpcPort was " + ServerConfig.GRPC_OFF + ")");
        }
        return grpc.getPort();
    }

    /** True when the server also serves gRPC. */
    public boolean servesGrpc() {
        return grpc != null;
    }

    /** The manager being served. */
    public ModelManager models() {
        return models;
    }

    /** Completes when {@link #close()} has started refusing new requests (tests wait on it). */
    CompletableFuture<Void> draining() {
        return draining;
    }

    private void routes(HttpRouting.Builder routing) {
        routing.get("/v2/health/live", (req, res) -> json(res, 200, "{\"live\":true}"))
                .get("/v2/health/ready", (req, res) -> {
                    boolean ready = models.isLive() && !closed.get();
                    json(res, ready ? 200 : 503, "{\"ready\":" + ready + "}");
                })
                .get("/v2", (req, res) -> handle(res, () -> serverMetadata(res)))
                .get("/metrics", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    res.send(models.metrics().scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                })
                // Before /v2/models/{name}: as in Triton, "stats" here is the extension, not a model.
                .get("/v2/models/stats", (req, res) -> handle(res, () -> statistics(req, res)))
                .get("/v2/models/{name}/stats", (req, res) -> handle(res, () -> statistics(req, res)))
                .get("/v2/models/{name}/versions/{version}/stats", (req, res) -> handle(res, () -> statistics(req, res)))
                .get("/v2/models/{name}", (req, res) -> handle(res, () -> modelMetadata(req, res)))
                .get("/v2/models/{name}/versions/{version}", (req, res) -> handle(res, () -> modelMetadata(req, res)))
                .get("/v2/models/{name}/config", (req, res) -> handle(res, () -> modelConfig(req, res)))
                .get("/v2/models/{name}/versions/{version}/config", (req, res) -> handle(res, () -> modelConfig(req, res)))
                .get("/v2/models/{name}/ready", (req, res) -> handle(res, () -> modelReady(req, res)))
                .get("/v2/models/{name}/versions/{version}/ready", (req, res) -> handle(res, () -> modelReady(req, res)))
                .post("/v2/models/{name}/infer", (req, res) -> answering(() -> infer(req, res)))
                .post("/v2/models/{name}/versions/{version}/infer", (req, res) -> answering(() -> infer(req, res)))
                .post("/v2/models/{name}/classify", (req, res) -> answering(() -> image(req, res, false)))
                .post("/v2/models/{name}/versions/{version}/classify", (req, res) -> answering(() -> image(req, res, false)))
                .post("/v2/models/{name}/detect", (req, res) -> answering(() -> image(req, res, true)))
                .post("/v2/models/{name}/versions/{version}/detect", (req, res) -> answering(() -> image(req, res, true)))
                .post("/v2/repository/index", (req, res) -> handle(res, () -> repositoryIndex(req, res)))
                .post("/v2/repository/models/{name}/load", (req, res) -> handle(res, () -> load(req, res)))
                .post("/v2/repository/models/{name}/unload", (req, res) -> handle(res, () -> {
                    body(req);
                    models.unload(req.path().pathParameters().get("name"));
                    json(res, 200, "{}");
                }));
    }

    /** Runs a handler that answers a request (its response sent when it returns), counted in {@link #answering}. */
    private void answering(Runnable handler) {
        answering.incrementAndGet();
        try {
            handler.run();
        } finally {
            if (answering.decrementAndGet() == 0 && closed.get()) {
                allAnswered.complete(null);
            }
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    /** Runs an endpoint, turning every failure into an OIP error body; never lets one escape. */
    private int handle(ServerResponse res, Action action) {
        try {
            action.run();
            return res.status().code();
        } catch (ServingException e) {
            return error(res, e);
        } catch (ExecutionException e) {
            return e.getCause() instanceof ServingException serving ? error(res, serving) : internal(res, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(res, new ServingException(ServingException.Code.SHUTTING_DOWN, "Interrupted while waiting"));
        } catch (Exception | Error e) {
            return internal(res, e);
        }
    }

    private int internal(ServerResponse res, Throwable e) {
        LOG.log(System.Logger.Level.ERROR, "Internal error while answering a request", e);
        models.metrics().error("internal");
        return send(res, 500, OipEncoder.error("Internal server error: " + e), JSON);
    }

    /** Answers a client's or the server's expected failure with its status and OIP error body; counts it. */
    private int error(ServerResponse res, ServingException e) {
        models.metrics().error(e);
        int status = HttpErrors.status(e.code());
        if (HttpErrors.retryable(e.code())) {
            res.header(HeaderNames.RETRY_AFTER, HttpErrors.RETRY_AFTER_SECONDS);
        }
        return send(res, status, OipEncoder.error(e.getMessage()), JSON);
    }

    private static int send(ServerResponse res, int status, byte[] body, String contentType) {
        if (!res.isSent()) {
            res.status(Status.create(status));
            res.header(HeaderNames.CONTENT_TYPE, contentType);
            res.send(body);
        }
        return status;
    }

    private static void json(ServerResponse res, int status, String body) {
        send(res, status, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), JSON);
    }

    private static String version(ServerRequest req) {
        return req.path().pathParameters().first("version").orElse("");
    }

    /**
     * Answers a request Helidon refused before routing (a malformed request line or header, an unknown
     * Content-Encoding) with the OIP error body instead of an empty one. Helidon passes on only the
     * messages it marks safe for HTML pages, and none for an unknown Content-Encoding, so that one is
     * named here from the request's headers.
     */
    private static final class TransportErrors implements DirectHandler {

        @Override
        public TransportResponse handle(TransportRequest request, EventType event, Status status,
                io.helidon.http.ServerResponseHeaders headers, Throwable thrown) {
            return handle(request, event, status, headers, thrown.getMessage());
        }

        @Override
        public TransportResponse handle(TransportRequest request, EventType event, Status status,
                io.helidon.http.ServerResponseHeaders headers, Throwable thrown, System.Logger logger) {
            return handle(request, event, status, headers, thrown.getMessage());
        }

        @Override
        public TransportResponse handle(TransportRequest request, EventType event, Status status,
                io.helidon.http.ServerResponseHeaders headers, String message) {
            String detail = message == null || message.isBlank() ? status.reasonPhrase() : message;
            String coding = request.headers().first(HeaderNames.CONTENT_ENCODING).orElse(null);
            if (HttpCompression.encoded(coding) && !HttpCompression.CODINGS.contains(coding.trim().toLowerCase(Locale.ROOT))) {
                detail = "Unsupported Content-Encoding '" + coding + "'; this server decodes "
                        + String.join(", ", HttpCompression.CODINGS) + " and identity";
            }
            return TransportResponse.builder()
                    .status(status)
                    .headers(headers)
                    .header(HeaderNames.CONTENT_TYPE, JSON)
                    .entity(OipEncoder.error(detail))
                    .keepAlive(false)
                    .build();
        }
    }

    private byte[] body(ServerRequest req) throws IOException {
        OptionalLong length = req.headers().contentLength();
        if (length.isPresent() && length.getAsLong() > config.maxRequestBytes()) {
            throw tooLarge(length.getAsLong());
        }
        String coding = req.headers().first(HeaderNames.CONTENT_ENCODING).orElse(null);
        boolean encoded = HttpCompression.encoded(coding);
        try (InputStream in = req.content().inputStream()) {
            // A compressed body's Content-Length counts its compressed bytes: what comes out of it is read
            // like a chunked body, bounded by the size limit.
            if (length.isPresent() && !encoded) {
                // Known length (every client but a chunked one): one exact array, no growing copies.
                byte[] data = new byte[(int) length.getAsLong()];
                int read = in.readNBytes(data, 0, data.length);
                if (read < data.length) {
                    throw new ServingException(ServingException.Code.INVALID_REQUEST, "The request body ended after "
                            + read + " bytes; Content-Length announced " + data.length);
                }
                return data;
            }
            byte[] data = in.readNBytes((int) config.maxRequestBytes() + 1);
            if (data.length > config.maxRequestBytes()) {
                throw encoded ? new ServingException(ServingException.Code.PAYLOAD_TOO_LARGE, "The request body, "
                        + "decoded from " + coding + ", has more than " + config.maxRequestBytes()
                        + " bytes; the limit is " + config.maxRequestBytes()) : tooLarge(-1);
            }
            return data;
        } catch (IOException | java.io.UncheckedIOException e) {
            if (!encoded) {
                throw e;
            }
            Throwable cause = e instanceof java.io.UncheckedIOException unchecked ? unchecked.getCause() : e;
            throw new ServingException(ServingException.Code.INVALID_REQUEST, "The request body could not be "
                    + "decoded as " + coding + " (its Content-Encoding): " + cause.getMessage());
        }
    }

    private ServingException tooLarge(long length) {
        return new ServingException(ServingException.Code.PAYLOAD_TOO_LARGE, "The request body has "
                + (length >= 0 ? length + " bytes" : "more bytes") + "; the limit is " + config.maxRequestBytes());
    }

    private void infer(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        String version = version(req);
        String[] answered = {version};
        int status = handle(res, () -> {
            refuseWhenClosing(name);
            byte[] body = body(req);
            int jsonLength = -1;
            var header = req.headers().value(INFERENCE_HEADER);
            if (header.isPresent()) {
                try {
                    jsonLength = Integer.parseInt(header.get().trim());
                } catch (NumberFormatException e) {
                    throw new ServingException(ServingException.Code.INVALID_REQUEST, OipCodec.HEADER_LENGTH
                            + " must be a byte count, got '" + header.get() + "'");
                }
            }
            java.time.Instant decoding = models.clock().instant();
            OipCodec.Decoded decoded = OipCodec.decode(body, jsonLength, name, version);
            java.time.Duration decodeTime = java.time.Duration.between(decoding, models.clock().instant());
            try {
                Future<InferenceResponse> future = models.infer(decoded.request());
                try (InferenceResponse response = await(future)) {
                    answered[0] = response.version();
                    models.preprocessed(name, response.version(), decodeTime);
                    java.time.Instant encoding = models.clock().instant();
                    OipEncoder.Encoded encoded = OipEncoder.encode(response, decoded);
                    models.postprocessed(name, response.version(),
                            java.time.Duration.between(encoding, models.clock().instant()));
                    if (encoded.binary()) {
                        res.header(INFERENCE_HEADER, String.valueOf(encoded.jsonLength()));
                        send(res, 200, encoded.body(), "application/octet-stream");
                    } else {
                        send(res, 200, encoded.body(), JSON);
                    }
                }
            } finally {
                decoded.release();
            }
        });
        models.countRequest(name, answered[0], String.valueOf(status));
    }

    private void refuseWhenClosing(String model) {
        if (closed.get()) {
            throw new ServingException(ServingException.Code.SHUTTING_DOWN, "The server is shutting down; model "
                    + model + " takes no new requests");
        }
    }

    private static <T> T await(Future<T> future) throws ExecutionException, InterruptedException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(false);
            throw e;
        }
    }

    private void image(ServerRequest req, ServerResponse res, boolean detect) {
        String name = req.path().pathParameters().get("name");
        String version = version(req);
        String[] answered = {version};
        int status = handle(res, () -> {
            refuseWhenClosing(name);
            byte[] body = body(req);
            String contentType = req.headers().contentType().map(Object::toString).orElse("");
            byte[] file = Multipart.boundary(contentType).map(boundary -> Multipart.file(body, boundary)).orElse(body);
            Image image;
            java.time.Instant decoding = models.clock().instant();
            try {
                image = Image.decode(file, "the request body");
            } catch (InferenceException e) {
                throw new ServingException(ServingException.Code.INVALID_REQUEST, e.getMessage(), e);
            }
            java.time.Duration decodeTime = java.time.Duration.between(decoding, models.clock().instant());
            ModelStatus modelStatus = models.status(name, version);
            answered[0] = modelStatus.version();
            String kind = modelStatus.pipeline();
            if (detect != kind.equals("detection")) {
                if (kind.equals("classification") || kind.equals("detection")) {
                    throw new ServingException(ServingException.Code.INVALID_REQUEST, "Model " + name + " is a "
                            + kind + " model; use /v2/models/" + name + (kind.equals("detection") ? "/detect" : "/classify"));
                }
                throw new ServingException(ServingException.Code.INVALID_REQUEST, "Model " + name + " has no "
                        + (detect ? "detection" : "classification") + " pipeline: " + (kind.isEmpty() ? "not loaded" : kind));
            }
            PipelineRun run = await(models.predict(name, version, List.of(image)));
            models.preprocessed(name, modelStatus.version(), decodeTime.plus(run.preprocess()));
            java.time.Instant encoding = models.clock().instant();
            byte[] answer = predictionJson(modelStatus, run, image);
            // The pipeline's own postprocessing (softmax, NMS) is part of answering too.
            models.postprocessed(name, modelStatus.version(),
                    run.postprocess().plus(java.time.Duration.between(encoding, models.clock().instant())));
            send(res, 200, answer, JSON);
        });
        models.countRequest(name, answered[0], String.valueOf(status));
    }

    private static byte[] predictionJson(ModelStatus status, PipelineRun run, Image image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = OipEncoder.generator(bytes)) {
            Prediction prediction = run.only();
            out.writeStartObject();
            out.writeStringField("model_name", status.name());
            out.writeStringField("model_version", status.version());
            out.writeNumberField("width", image.width());
            out.writeNumberField("height", image.height());
            if (status.pipeline().equals("detection")) {
                out.writeArrayFieldStart("detections");
                for (Detection detection : prediction.detections()) {
                    out.writeStartObject();
                    out.writeNumberField("class_index", detection.classIndex());
                    out.writeStringField("label", detection.label());
                    out.writeNumberField("score", detection.score());
                    out.writeArrayFieldStart("box");
                    out.writeNumber(detection.x1());
                    out.writeNumber(detection.y1());
                    out.writeNumber(detection.x2());
                    out.writeNumber(detection.y2());
                    out.writeEndArray();
                    out.writeEndObject();
                }
            } else {
                out.writeArrayFieldStart("classes");
                for (Classification classification : prediction.classes()) {
                    out.writeStartObject();
                    out.writeNumberField("class_index", classification.classIndex());
                    out.writeStringField("label", classification.label());
                    out.writeNumberField("score", classification.score());
                    out.writeEndObject();
                }
            }
            out.writeEndArray();
            out.writeObjectFieldStart("timings_ms");
            out.writeNumberField("preprocess", run.preprocess().toNanos() / 1e6);
            out.writeNumberField("inference", run.inference().toNanos() / 1e6);
            out.writeNumberField("postprocess", run.postprocess().toNanos() / 1e6);
            out.writeEndObject();
            out.writeEndObject();
        }
        return bytes.toByteArray();
    }

    private void serverMetadata(ServerResponse res) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = OipEncoder.generator(bytes)) {
            out.writeStartObject();
            out.writeStringField("name", "outpost");
            out.writeStringField("version", versionOfThisModule());
            out.writeArrayFieldStart("extensions");
            out.writeString("binary_tensor_data");
            out.writeString("model_repository");
            out.writeString("model_configuration");
            out.writeString("statistics");
            out.writeEndArray();
            out.writeEndObject();
        }
        send(res, 200, bytes.toByteArray(), JSON);
    }

    static String versionOfThisModule() {
        String version = InferenceServer.class.getPackage().getImplementationVersion();
        return version == null ? "0.1.0-SNAPSHOT" : version;
    }

    private void modelMetadata(ServerRequest req, ServerResponse res) throws IOException {
        String name = req.path().pathParameters().get("name");
        ModelStatus status = models.status(name, version(req));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = OipEncoder.generator(bytes)) {
            out.writeStartObject();
            out.writeStringField("name", status.name());
            out.writeArrayFieldStart("versions");
            for (ModelStatus each : models.index()) {
                if (each.name().equals(name)) {
                    out.writeString(each.version());
                }
            }
            out.writeEndArray();
            out.writeStringField("platform", "onnxruntime_onnx");
            tensors(out, "inputs", status.inputs());
            tensors(out, "outputs", status.outputs());
            out.writeStringField("state", status.state().name());
            if (!status.reason().isEmpty()) {
                out.writeStringField("reason", status.reason());
            }
            out.writeNumberField("load_time_ms", status.loadTime().toNanos() / 1e6);
            out.writeBooleanField("dynamic_batching", status.batching());
            out.writeStringField("pipeline", status.pipeline());
            out.writeEndObject();
        }
        send(res, 200, bytes.toByteArray(), JSON);
    }

    /**
     * Triton's model configuration extension ({@code tritonclient}'s {@code get_model_config}; Triton's
     * perf_analyzer reads the batch size and inputs there, not tried here): the served settings in
     * Triton's JSON form.
     * With dynamic batching, {@code max_batch_size} is the largest batch and {@code dims} leave out the
     * batch dimension, as in Triton; without it, {@code max_batch_size} is 0 and {@code dims} are the
     * model's whole shapes. Concurrent runs are the instance count; intra-op threads are the ONNX
     * Runtime backend's {@code intra_op_thread_count} parameter.
     */
    private void modelConfig(ServerRequest req, ServerResponse res) throws IOException {
        LoadedModel model = models.loaded(req.path().pathParameters().get("name"), version(req));
        ModelConfig config = model.config();
        boolean batching = model.batching();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = OipEncoder.generator(bytes)) {
            out.writeStartObject();
            out.writeStringField("name", model.source().name());
            out.writeStringField("platform", "onnxruntime_onnx");
            out.writeStringField("backend", "onnxruntime");
            out.writeNumberField("max_batch_size", batching ? config.maxBatchSize() : 0);
            tritonTensors(out, "input", model.session().inputs(), batching);
            tritonTensors(out, "output", model.session().outputs(), batching);
            if (batching) {
                out.writeObjectFieldStart("dynamic_batching");
                out.writeArrayFieldStart("preferred_batch_size");
                for (int size : config.preferredBatchSizes()) {
                    out.writeNumber(size);
                }
                out.writeEndArray();
                out.writeNumberField("max_queue_delay_microseconds", config.maxQueueDelay().toNanos() / 1000);
                out.writeEndObject();
            }
            out.writeArrayFieldStart("instance_group");
            out.writeStartObject();
            out.writeStringField("name", model.source().name());
            out.writeStringField("kind", "KIND_CPU");
            out.writeNumberField("count", config.maxConcurrentRuns());
            out.writeEndObject();
            out.writeEndArray();
            out.writeStringField("default_model_filename", ModelRepository.MODEL_FILE);
            out.writeObjectFieldStart("parameters");
            out.writeObjectFieldStart("intra_op_thread_count");
            out.writeStringField("string_value", String.valueOf(model.threadsPerCall()));
            out.writeEndObject();
            out.writeEndObject();
            out.writeEndObject();
        }
        send(res, 200, bytes.toByteArray(), JSON);
    }

    /**
     * Triton's statistics extension ({@code tritonclient}'s {@code get_inference_statistics}); see
     * {@link ModelStatistics}. There is no response cache, so its counts are 0.
     */
    private void statistics(ServerRequest req, ServerResponse res) throws IOException {
        List<ModelStatistics> statistics = models.statistics(req.path().pathParameters().first("name").orElse(""),
                version(req));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = OipEncoder.generator(bytes)) {
            out.writeStartObject();
            out.writeArrayFieldStart("model_stats");
            for (ModelStatistics each : statistics) {
                out.writeStartObject();
                out.writeStringField("name", each.name());
                out.writeStringField("version", each.version());
                out.writeNumberField("last_inference", each.lastInferenceMillis());
                out.writeNumberField("inference_count", each.inferenceCount());
                out.writeNumberField("execution_count", each.executionCount());
                out.writeObjectFieldStart("inference_stats");
                duration(out, "success", each.success());
                duration(out, "fail", each.fail());
                duration(out, "queue", each.queue());
                duration(out, "compute_input", each.computeInput());
                duration(out, "compute_infer", each.computeInfer());
                duration(out, "compute_output", each.computeOutput());
                duration(out, "cache_hit", ModelStatistics.Stat.NONE);
                duration(out, "cache_miss", ModelStatistics.Stat.NONE);
                out.writeEndObject();
                out.writeArrayFieldStart("batch_stats");
                for (ModelStatistics.Batch batch : each.batches()) {
                    out.writeStartObject();
                    out.writeNumberField("batch_size", batch.size());
                    duration(out, "compute_input", batch.input());
                    duration(out, "compute_infer", batch.infer());
                    duration(out, "compute_output", batch.output());
                    out.writeEndObject();
                }
                out.writeEndArray();
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        send(res, 200, bytes.toByteArray(), JSON);
    }

    /** Triton's {"count": n, "ns": total}. */
    private static void duration(JsonGenerator out, String field, ModelStatistics.Stat stat) throws IOException {
        out.writeObjectFieldStart(field);
        out.writeNumberField("count", stat.count());
        out.writeNumberField("ns", stat.nanos());
        out.writeEndObject();
    }

    /** Tensors as Triton's configuration lists them: TYPE_ names, dims without the batch dimension when batching. */
    private static void tritonTensors(JsonGenerator out, String field, List<TensorSpec> specs, boolean batching)
            throws IOException {
        out.writeArrayFieldStart(field);
        for (TensorSpec spec : specs) {
            out.writeStartObject();
            out.writeStringField("name", spec.name());
            out.writeStringField("data_type", spec.type() == dev.outpost.runtime.DType.STRING ? "TYPE_STRING"
                    : "TYPE_" + spec.type().oipName());
            out.writeArrayFieldStart("dims");
            List<Long> shape = spec.shape();
            for (long dim : batching ? shape.subList(1, shape.size()) : shape) {
                out.writeNumber(dim < 0 ? -1 : dim);
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        out.writeEndArray();
    }

    private static void tensors(JsonGenerator out, String field, List<TensorSpec> specs) throws IOException {
        out.writeArrayFieldStart(field);
        for (TensorSpec spec : specs) {
            out.writeStartObject();
            out.writeStringField("name", spec.name());
            out.writeStringField("datatype", spec.type().oipName());
            out.writeArrayFieldStart("shape");
            for (long dim : spec.shape()) {
                out.writeNumber(dim < 0 ? -1 : dim);
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        out.writeEndArray();
    }

    private void modelReady(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        ModelStatus status = models.status(name, version(req));
        json(res, status.ready() ? 200 : 400, "{\"name\":" + quote(name) + ",\"ready\":" + status.ready() + "}");
    }

    private void repositoryIndex(ServerRequest req, ServerResponse res) throws IOException {
        boolean readyOnly = OipCodec.indexReadyOnly(body(req));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = OipEncoder.generator(bytes)) {
            out.writeStartArray();
            for (ModelStatus status : models.index()) {
                if (readyOnly && !status.ready()) {
                    continue;
                }
                out.writeStartObject();
                out.writeStringField("name", status.name());
                out.writeStringField("version", status.version());
                out.writeStringField("state", status.state().name());
                out.writeStringField("reason", status.reason());
                out.writeEndObject();
            }
            out.writeEndArray();
        }
        send(res, 200, bytes.toByteArray(), JSON);
    }

    private void load(ServerRequest req, ServerResponse res) throws IOException {
        body(req);
        String name = req.path().pathParameters().get("name");
        List<ModelStatus> statuses = models.load(name);
        List<ModelStatus> failed = statuses.stream().filter(status -> status.state() == ModelState.FAILED).toList();
        if (!failed.isEmpty()) {
            throw new ServingException(ServingException.Code.INVALID_REPOSITORY, "Model " + name + " failed to load: "
                    + failed.stream().map(status -> "version " + status.version() + ": " + status.reason()).toList());
        }
        json(res, 200, "{}");
    }

    private static String quote(String text) {
        return new String(OipEncoder.error(text), java.nio.charset.StandardCharsets.UTF_8)
                .replaceFirst("^\\{\"error\":", "").replaceFirst("}$", "");
    }

    /**
     * Graceful shutdown: new requests get 503, queued and running ones finish (up to the manager's
     * drain timeout), the listener stops, then the manager closes. Idempotent.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(models::drain);
        draining.complete(null);
        try {
            drained.join();
            if (answering.get() == 0) {
                allAnswered.complete(null);
            }
            try {
                allAnswered.get(models.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, answering.get() + " REST answers were still being written after "
                        + "the drain timeout; stopping the listener cuts them off");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } finally {
            try {
                server.stop();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Stopping the HTTP listener failed: " + e);
            }
            stopGrpc();
            models.close();
        }
    }

    /** Stops the gRPC listener: calls still open after the drain get a few seconds, then are cancelled. */
    private void stopGrpc() {
        if (grpc == null) {
            return;
        }
        grpc.shutdown();
        try {
            if (!grpc.awaitTermination(GRPC_STOP_SECONDS, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "gRPC calls still open " + GRPC_STOP_SECONDS
                        + " s after the drain; cancelling them");
                grpc.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grpc.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "InferenceServer[" + config.host() + ":" + (server.isRunning() ? port() : "stopped") + "]";
    }

}
