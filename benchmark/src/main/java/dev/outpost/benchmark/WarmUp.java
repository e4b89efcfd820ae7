package dev.outpost.benchmark;

import java.util.Objects;

/**
 * The warm-up phase before measuring, reported on its own: the first query pays for lazy
 * initialisation (ONNX Runtime's first-run allocations, JIT compilation of the caller), so its
 * latency is the first-inference latency a freshly started service shows.
 *
 * <p>Immutable and thread-safe.
 *
 * @param firstQueryNanos latency of the very first query
 * @param latency all warm-up queries, the first included
 */
public record WarmUp(long firstQueryNanos, LatencyStats latency) {

    /** Requires a non-negative first latency. */
    public WarmUp {
        Objects.requireNonNull(latency, "latency");
        if (firstQueryNanos < 0) {
            throw new IllegalArgumentException("WarmUp.firstQueryNanos is " + firstQueryNanos + "; expected >= 0");
        }
    }
}
