package dev.outpost.benchmark;

import java.util.Objects;
import java.util.Optional;

/**
 * One repetition of the measured run.
 *
 * <p>Immutable and thread-safe.
 *
 * @param result the measured run; for a Server search it is the final run at the best rate, or the
 *     capacity probe when no rate met the bound
 * @param search the Server search, when the rate was searched
 * @param cpu CPU use during the repetition
 * @param energy energy of the repetition, or why it is unavailable
 */
public record RepeatRun(ScenarioResult result, Optional<ServerSearchResult> search, CpuUsage cpu, EnergyResult energy) {

    /** Requires every part. */
    public RepeatRun {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(search, "search");
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(energy, "energy");
    }

    /** The scenario's headline: samples/s for Offline, the best rate for a Server search, else the metric latency in ns. */
    public double metricValue() {
        if (search.isPresent()) {
            return search.get().bestQps();
        }
        return result.scenario() == Scenario.OFFLINE ? result.samplesPerSecond() : result.metricLatencyNanos();
    }
}
