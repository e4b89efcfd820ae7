package dev.outpost.serving;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Scheduling settings of one model: queue bound, concurrent runs, dynamic batching and timeout.
 * Read from the model's {@code config.properties} in a repository ({@link #KEYS} lists the keys);
 * anything not given keeps its default.
 *
 * <p>Immutable and thread-safe.
 *
 * @param maxQueueSize requests that may wait; one more is rejected at once ({@code QUEUE_FULL})
 * @param maxConcurrentRuns model calls that may run at the same time
 * @param intraOpThreads ONNX Runtime threads per call; empty: cores / maxConcurrentRuns (at least 1),
 *     so that runs x threads never exceeds the cores
 * @param maxBatchSize rows one batched call may hold; 1 turns dynamic batching off. Only used when
 *     the model's first input and output dimensions are dynamic
 * @param maxQueueDelay how long the oldest queued request may wait for a batch to fill
 * @param preferredBatchSizes batch sizes dispatched at once when they can be formed (each 1..maxBatchSize)
 * @param requestTimeout how long a request may wait and run before it fails with {@code TIMEOUT};
 *     a request that times out while queued never runs. {@link Duration#ZERO}: no timeout
 */
public record ModelConfig(int maxQueueSize, int maxConcurrentRuns, Optional<Integer> intraOpThreads,
                          int maxBatchSize, Duration maxQueueDelay, List<Integer> preferredBatchSizes,
                          Duration requestTimeout) {

    /** The keys of a model's {@code config.properties}, with what each means. */
    public static final Map<String, String> KEYS = keys();

    private static Map<String, String> keys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("max-queue-size", "requests that may wait (default 64)");
        keys.put("max-concurrent-runs", "model calls running at once (default 1)");
        keys.put("intra-op-threads", "threads per call (default cores / max-concurrent-runs)");
        keys.put("max-batch-size", "rows per batched call; 1 = no dynamic batching (default 1)");
        keys.put("max-queue-delay-ms", "how long a batch may wait to fill, in ms, decimals allowed (default 0)");
        keys.put("preferred-batch-sizes", "comma-separated batch sizes dispatched at once (default none)");
        keys.put("request-timeout-ms", "per-request timeout in ms; 0 = none (default 30000)");
        return Map.copyOf(keys);
    }

    /** Validates every value; throws IllegalArgumentException naming the bad one. */
    public ModelConfig {
        Objects.requireNonNull(intraOpThreads, "intraOpThreads");
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        require(maxQueueSize >= 1, "max-queue-size must be >= 1, got " + maxQueueSize);
        require(maxConcurrentRuns >= 1, "max-concurrent-runs must be >= 1, got " + maxConcurrentRuns);
        intraOpThreads.ifPresent(threads -> require(threads >= 1, "intra-op-threads must be >= 1, got " + threads));
        require(maxBatchSize >= 1, "max-batch-size must be >= 1, got " + maxBatchSize);
        require(!maxQueueDelay.isNegative(), "max-queue-delay must be >= 0, got " + maxQueueDelay);
        require(!requestTimeout.isNegative(), "request-timeout must be >= 0, got " + requestTimeout);
        preferredBatchSizes = List.copyOf(new TreeSet<>(preferredBatchSizes));
        for (int size : preferredBatchSizes) {
            require(size >= 1 && size <= maxBatchSize, "preferred batch size " + size
                    + " must be within 1.." + maxBatchSize + " (max-batch-size)");
        }
    }

    /** The defaults: queue 64, one run at a time, no batching, 30 s timeout. */
    public static ModelConfig defaults() {
        return builder().build();
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.maxQueueSize = maxQueueSize;
        builder.maxConcurrentRuns = maxConcurrentRuns;
        builder.intraOpThreads = intraOpThreads;
        builder.maxBatchSize = maxBatchSize;
        builder.maxQueueDelay = maxQueueDelay;
        builder.preferredBatchSizes = preferredBatchSizes;
        builder.requestTimeout = requestTimeout;
        return builder;
    }

    /** The intra-op threads to use on a machine with {@code cores} cores (see {@link #intraOpThreads()}). */
    public int threadsFor(int cores) {
        return intraOpThreads.orElse(Math.max(1, cores / maxConcurrentRuns));
    }

    /**
     * This config with the values of {@code properties} on top.
     *
     * @param source where the properties came from, for messages
     * @throws ServingException INVALID_REPOSITORY naming the key, the value and what is valid
     */
    public ModelConfig with(Map<String, String> properties, String source) {
        Builder builder = toBuilder();
        for (Map.Entry<String, String> entry : properties.entrySet()) {
            String key = entry.getKey().trim().toLowerCase(Locale.ROOT);
            String value = entry.getValue().trim();
            try {
                switch (key) {
                    case "max-queue-size" -> builder.maxQueueSize(Integer.parseInt(value));
                    case "max-concurrent-runs" -> builder.maxConcurrentRuns(Integer.parseInt(value));
                    case "intra-op-threads" -> builder.intraOpThreads(Integer.parseInt(value));
                    case "max-batch-size" -> builder.maxBatchSize(Integer.parseInt(value));
                    case "max-queue-delay-ms" -> builder.maxQueueDelay(millis(value));
                    case "preferred-batch-sizes" -> builder.preferredBatchSizes(sizes(value));
                    case "request-timeout-ms" -> builder.requestTimeout(millis(value));
                    default -> throw new IllegalArgumentException("unknown key; valid keys are " + KEYS.keySet());
                }
            } catch (IllegalArgumentException e) {
                throw new ServingException(ServingException.Code.INVALID_REPOSITORY, source + ": " + key + "=" + value
                        + " is invalid: " + e.getMessage());
            }
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new ServingException(ServingException.Code.INVALID_REPOSITORY, source + ": " + e.getMessage());
        }
    }

    private static Duration millis(String value) {
        double ms = Double.parseDouble(value);
        if (!(ms >= 0) || Double.isInfinite(ms)) {
            throw new IllegalArgumentException("expected a number of milliseconds >= 0");
        }
        return Duration.ofNanos(Math.round(ms * 1_000_000));
    }

    private static List<Integer> sizes(String value) {
        List<Integer> sizes = new ArrayList<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                sizes.add(Integer.parseInt(part.trim()));
            }
        }
        return sizes;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Builds a {@link ModelConfig}; setters fail fast on bad values. Not thread-safe. */
    public static final class Builder {
        private int maxQueueSize = 64;
        private int maxConcurrentRuns = 1;
        private Optional<Integer> intraOpThreads = Optional.empty();
        private int maxBatchSize = 1;
        private Duration maxQueueDelay = Duration.ZERO;
        private List<Integer> preferredBatchSizes = List.of();
        private Duration requestTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** Requests that may wait (>= 1). */
        public Builder maxQueueSize(int size) {
            require(size >= 1, "max-queue-size must be >= 1, got " + size);
            this.maxQueueSize = size;
            return this;
        }

        /** Model calls that may run at once (>= 1). */
        public Builder maxConcurrentRuns(int runs) {
            require(runs >= 1, "max-concurrent-runs must be >= 1, got " + runs);
            this.maxConcurrentRuns = runs;
            return this;
        }

        /** ONNX Runtime threads per call (>= 1). */
        public Builder intraOpThreads(int threads) {
            require(threads >= 1, "intra-op-threads must be >= 1, got " + threads);
            this.intraOpThreads = Optional.of(threads);
            return this;
        }

        /** Rows per batched call (>= 1; 1 = no batching). */
        public Builder maxBatchSize(int size) {
            require(size >= 1, "max-batch-size must be >= 1, got " + size);
            this.maxBatchSize = size;
            return this;
        }

        /** How long a batch may wait to fill (>= 0). */
        public Builder maxQueueDelay(Duration delay) {
            require(!delay.isNegative(), "max-queue-delay must be >= 0, got " + delay);
            this.maxQueueDelay = delay;
            return this;
        }

        /** Batch sizes dispatched as soon as they can be formed. */
        public Builder preferredBatchSizes(List<Integer> sizes) {
            Set<Integer> unique = new TreeSet<>(sizes);
            unique.forEach(size -> require(size >= 1, "preferred batch sizes must be >= 1, got " + size));
            this.preferredBatchSizes = List.copyOf(unique);
            return this;
        }

        /** Per-request timeout (>= 0; zero: none). */
        public Builder requestTimeout(Duration timeout) {
            require(!timeout.isNegative(), "request-timeout must be >= 0, got " + timeout);
            this.requestTimeout = timeout;
            return this;
        }

        /** The config; throws IllegalArgumentException when preferred sizes exceed the max batch size. */
        public ModelConfig build() {
            return new ModelConfig(maxQueueSize, maxConcurrentRuns, intraOpThreads, maxBatchSize, maxQueueDelay,
                    preferredBatchSizes, requestTimeout);
        }
    }
}
