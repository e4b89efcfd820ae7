package dev.outpost.serving;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's metrics, written as Prometheus text by {@link #scrape()}: requests by model, version
 * and status; queue, preprocessing, compute, postprocessing and total latency histograms; batch sizes; in-flight requests; errors
 * by category; model load times; process memory.
 *
 * <p>Thread-safe; recording is lock-free.
 */
final class ServingMetrics {

    /** Per model version: histograms and the in-flight gauge. */
    static final class ModelMetrics {
        final Histogram queue = new Histogram(Histogram.SECONDS);
        /** Turning a request into model inputs: decoding its tensors, or decoding and preprocessing its image. */
        final Histogram preprocess = new Histogram(Histogram.SECONDS);
        final Histogram compute = new Histogram(Histogram.SECONDS);
        final Histogram total = new Histogram(Histogram.SECONDS);
        /** Turning a response into the transport's answer: encoding its tensors (JSON, binary or protobuf). */
        final Histogram postprocess = new Histogram(Histogram.SECONDS);
        /** Requests answered with outputs, and their total time. */
        final LongAdder succeeded = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder succeededSeconds = new java.util.concurrent.atomic.DoubleAdder();
        /** Requests that failed after they were accepted (timed out, cancelled, failed in the model), and their time. */
        final LongAdder failed = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder failedSeconds = new java.util.concurrent.atomic.DoubleAdder();
        /** When the last request was answered with outputs, in milliseconds since the epoch; 0 before. */
        volatile long lastSuccessMillis;
        final Histogram batch = new Histogram(Histogram.BATCH);
        final AtomicLong inFlight = new AtomicLong();
        /** Model calls stopped inside ONNX Runtime because every request they served had timed out or was cancelled. */
        final LongAdder stoppedRuns = new LongAdder();
        volatile double loadSeconds = Double.NaN;
        /** Model calls by rows: preparing their inputs, running, and taking their outputs apart. */
        final Map<Integer, BatchFigures> batches = new ConcurrentSkipListMap<>();

        /**
         * Records one model call of {@code rows} rows. At most {@link #MAX_BATCH_SIZES} distinct sizes
         * are kept, so that clients sending ever new batch sizes cannot grow the map without bound.
         */
        void call(int rows, Duration input, Duration infer, Duration output) {
            BatchFigures figures = batches.get(rows);
            if (figures == null) {
                if (batches.size() >= MAX_BATCH_SIZES) {
                    return;
                }
                figures = batches.computeIfAbsent(rows, key -> new BatchFigures());
            }
            figures.count.increment();
            figures.input.add(seconds(input));
            figures.infer.add(seconds(infer));
            figures.output.add(seconds(output));
        }
    }

    /** The distinct batch sizes whose figures a model version keeps. */
    static final int MAX_BATCH_SIZES = 64;

    /** One batch size's model calls: their count and the seconds spent in each part. */
    static final class BatchFigures {
        final LongAdder count = new LongAdder();
        final java.util.concurrent.atomic.DoubleAdder input = new java.util.concurrent.atomic.DoubleAdder();
        final java.util.concurrent.atomic.DoubleAdder infer = new java.util.concurrent.atomic.DoubleAdder();
        final java.util.concurrent.atomic.DoubleAdder output = new java.util.concurrent.atomic.DoubleAdder();
    }

    private final Map<String, ModelMetrics> models = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    /** The metrics of one model version (created on first use). */
    ModelMetrics model(String model, String version) {
        return models.computeIfAbsent(labels("model", model, "version", version), key -> new ModelMetrics());
    }

    /** The metrics of one model version, if any were recorded (creates none). */
    java.util.Optional<ModelMetrics> existing(String model, String version) {
        return java.util.Optional.ofNullable(models.get(labels("model", model, "version", version)));
    }

    /** Counts a finished request with its transport status (e.g. the HTTP status code). */
    void request(String model, String version, String status) {
        requests.computeIfAbsent(labels("model", model, "version", version, "status", status), key -> new LongAdder())
                .increment();
    }

    /** Counts an error of a category (lower-case code name: invalid_request, queue_full, ...). */
    void error(ServingException.Code code) {
        error(code.name().toLowerCase(Locale.ROOT));
    }

    /**
     * Counts a failed request under its category: a {@link ServingException}'s code, {@code cancelled}
     * for a call its client cancelled, {@code internal} for anything else. Unwraps the
     * completion and execution wrappers that futures put around the cause.
     */
    void error(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ServingException serving) {
            error(serving.code());
        } else {
            error(cause instanceof java.util.concurrent.CancellationException ? "cancelled" : "internal");
        }
    }

    /** Counts an error of a category. */
    void error(String category) {
        errors.computeIfAbsent(category, key -> new LongAdder()).increment();
    }

    long errors(String category) {
        LongAdder adder = errors.get(category);
        return adder == null ? 0 : adder.sum();
    }

    static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    /** The Prometheus text exposition (format 0.0.4) of every metric. */
    String scrape() {
        StringBuilder out = new StringBuilder(8192);
        header(out, "outpost_requests_total", "counter", "Inference requests by model, version and status.");
        requests.forEach((labels, count) -> sample(out, "outpost_requests_total", labels, count.sum()));
        histograms(out, "outpost_request_queue_seconds", "Time requests waited in the model queue.", m -> m.queue);
        histograms(out, "outpost_request_preprocess_seconds", "Time turning a request into model inputs: decoding its"
                + " tensors (JSON, binary or protobuf), or decoding and preprocessing its image.", m -> m.preprocess);
        histograms(out, "outpost_request_compute_seconds", "Time of the model call that answered a request.",
                m -> m.compute);
        histograms(out, "outpost_request_postprocess_seconds", "Time turning a model's outputs into the answer:"
                + " encoding its tensors (JSON, binary or protobuf).", m -> m.postprocess);
        histograms(out, "outpost_request_total_seconds", "Time from accepting a request to its answer.", m -> m.total);
        histograms(out, "outpost_batch_size", "Rows per model call (dynamic batching).", m -> m.batch);
        header(out, "outpost_inflight_requests", "gauge", "Requests accepted and not yet answered.");
        models.forEach((labels, m) -> sample(out, "outpost_inflight_requests", labels, m.inFlight.get()));
        header(out, "outpost_model_runs_stopped_total", "counter", "Model calls stopped mid-run because every"
                + " request they served had timed out or been cancelled.");
        models.forEach((labels, m) -> sample(out, "outpost_model_runs_stopped_total", labels, m.stoppedRuns.sum()));
        header(out, "outpost_model_load_seconds", "gauge", "Time the last load of a model version took.");
        models.forEach((labels, m) -> {
            if (!Double.isNaN(m.loadSeconds)) {
                sample(out, "outpost_model_load_seconds", labels, m.loadSeconds);
            }
        });
        header(out, "outpost_errors_total", "counter", "Failed requests by category.");
        new ConcurrentSkipListMap<>(errors).forEach((category, count) ->
                sample(out, "outpost_errors_total", labels("category", category), count.sum()));
        memory(out);
        return out.toString();
    }

    private void histograms(StringBuilder out, String name, String help,
                            java.util.function.Function<ModelMetrics, Histogram> pick) {
        header(out, name, "histogram", help);
        models.forEach((labels, m) -> pick.apply(m).write(out, name, labels));
    }

    private static void memory(StringBuilder out) {
        long rss = ProcessMemory.residentBytes();
        if (rss >= 0) {
            header(out, "process_resident_memory_bytes", "gauge", "Resident set size (VmRSS of /proc/self/status).");
            sample(out, "process_resident_memory_bytes", "", rss);
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long nativeBytes = ProcessMemory.nativeBytes();
        if (nativeBytes >= 0) {
            header(out, "outpost_native_memory_bytes", "gauge", "Resident memory outside the Java heap that no file "
                    + "backs (anonymous mappings of /proc/self/smaps less the heap's): ONNX Runtime's arenas and "
                    + "weights, direct buffers, thread stacks, malloc, JVM metaspace and code.");
            sample(out, "outpost_native_memory_bytes", "", nativeBytes);
        }
        header(out, "jvm_memory_used_bytes", "gauge", "JVM heap and non-heap memory in use.");
        sample(out, "jvm_memory_used_bytes", labels("area", "heap"), memory.getHeapMemoryUsage().getUsed());
        sample(out, "jvm_memory_used_bytes", labels("area", "nonheap"), memory.getNonHeapMemoryUsage().getUsed());
        header(out, "jvm_buffer_memory_used_bytes", "gauge", "Native memory of direct and mapped NIO buffers.");
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            sample(out, "jvm_buffer_memory_used_bytes", labels("pool", pool.getName()), pool.getMemoryUsed());
        }
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(PrometheusText.number(value)).append('\n');
    }

    /** {@code k1="v1",k2="v2"} with values escaped. */
    static String labels(String... keysAndValues) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (i > 0) {
                out.append(',');
            }
            out.append(keysAndValues[i]).append("=\"").append(PrometheusText.escape(keysAndValues[i + 1])).append('"');
        }
        return out.toString();
    }
}
