package dev.outpost.benchmark;

import java.util.Objects;

/**
 * What one measured scenario run gave (warm-up excluded).
 *
 * <p>Immutable and thread-safe.
 *
 * @param scenario the load pattern
 * @param queries queries completed
 * @param samples samples completed
 * @param wallNanos from the first query's issue (or scheduled arrival) to the last completion
 * @param latency per-query latency; Server: from the scheduled arrival, so queueing counts
 * @param targetQps Server: the arrival rate of this run; 0 for the other scenarios
 */
public record ScenarioResult(Scenario scenario, long queries, long samples, long wallNanos,
        LatencyStats latency, double targetQps) {

    /** Requires non-negative counts and a positive wall time. */
    public ScenarioResult {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(latency, "latency");
        if (queries < 1 || samples < queries || wallNanos <= 0) {
            throw new IllegalArgumentException("ScenarioResult: " + queries + " queries, " + samples
                    + " samples in " + wallNanos + " ns; expected >= 1 query, samples >= queries, time > 0");
        }
    }

    /** Samples per second over the wall time. */
    public double samplesPerSecond() {
        return samples * 1e9 / wallNanos;
    }

    /** Queries per second over the wall time. */
    public double queriesPerSecond() {
        return queries * 1e9 / wallNanos;
    }

    /** The scenario's latency metric: p90 for SingleStream, p99 for the others. */
    public long metricLatencyNanos() {
        return latency.atPercentile(scenario.percentile());
    }
}
