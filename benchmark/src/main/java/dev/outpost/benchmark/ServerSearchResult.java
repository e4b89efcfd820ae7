package dev.outpost.benchmark;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of the Server scenario's search for the highest Poisson arrival rate whose
 * 99th-percentile latency (measured from the scheduled arrival) meets the bound.
 *
 * <p>Immutable and thread-safe.
 *
 * @param boundNanos the p99 latency bound
 * @param probe the closed-loop run (queries back to back) that measured the capacity
 * @param capacityQps the rate the SUT sustains back to back (workers / mean service time), the search's ceiling
 * @param trials every rate tried, in order
 * @param bestQps the highest rate that met the bound in a trial; 0 when none did
 * @param finalRun the full-length run at {@code bestQps}; empty when no rate met the bound
 */
public record ServerSearchResult(long boundNanos, ScenarioResult probe, double capacityQps, List<Trial> trials, double bestQps,
        Optional<ScenarioResult> finalRun) {

    /** Copies the trials; requires a final run exactly when a rate was found. */
    public ServerSearchResult {
        Objects.requireNonNull(probe, "probe");
        trials = List.copyOf(trials);
        Objects.requireNonNull(finalRun, "finalRun");
        if ((bestQps > 0) != finalRun.isPresent()) {
            throw new IllegalArgumentException("ServerSearchResult: bestQps " + bestQps
                    + " but final run " + (finalRun.isPresent() ? "present" : "absent")
                    + "; expected a final run exactly when bestQps > 0");
        }
    }

    /** True when the full-length run at the best rate also met the bound (noise can break it). */
    public boolean finalRunMetBound() {
        return finalRun.map(run -> run.latency().p99Nanos() <= boundNanos).orElse(false);
    }

    /**
     * One trial of the search.
     *
     * @param targetQps the arrival rate tried
     * @param p99Nanos its 99th-percentile latency
     * @param queries queries it ran
     * @param metBound whether {@code p99Nanos <= bound}
     */
    public record Trial(double targetQps, long p99Nanos, long queries, boolean metBound) {
    }
}
