package dev.outpost.benchmark;

import java.util.Arrays;
import java.util.Locale;

/**
 * The load scenarios, after MLPerf Inference's LoadGen (inference_rules.adoc; see
 * REFERENCE-INFERENCE.md §1.6). Each names its samples per query and the latency percentile that is
 * its metric.
 *
 * <p>Immutable and thread-safe.
 */
public enum Scenario {
    /** The next query (1 sample) as soon as the previous completes; metric: 90th-percentile latency. */
    SINGLE_STREAM("SingleStream", 1, 90.0),
    /** The next query (8 samples) as soon as the previous completes; metric: 99th-percentile latency. */
    MULTI_STREAM("MultiStream", 8, 99.0),
    /**
     * Queries of 1 sample arrive at Poisson times at a target rate, whether or not earlier ones are done
     * (open loop); latency counts from the scheduled arrival. Metric: the highest rate whose
     * 99th-percentile latency meets a bound.
     */
    SERVER("Server", 1, 99.0),
    /** Queries (batches of samples) back to back; metric: samples per second. */
    OFFLINE("Offline", 1, 99.0);

    private final String displayName;
    private final int samplesPerQuery;
    private final double percentile;

    Scenario(String displayName, int samplesPerQuery, double percentile) {
        this.displayName = displayName;
        this.samplesPerQuery = samplesPerQuery;
        this.percentile = percentile;
    }

    /** The MLPerf name, e.g. {@code SingleStream}. */
    public String displayName() {
        return displayName;
    }

    /** Samples in one query by default (Offline's is the batch, set in {@link RunSettings}). */
    public int defaultSamplesPerQuery() {
        return samplesPerQuery;
    }

    /** The latency percentile this scenario reports as its metric (Offline reports throughput). */
    public double percentile() {
        return percentile;
    }

    /**
     * Parses a scenario as users write it ({@code single-stream}, {@code SingleStream}, {@code server}),
     * ignoring case, dashes and underscores.
     *
     * @throws BenchmarkException ({@link BenchmarkException.Code#INVALID_SETTING}) naming the valid choices
     */
    public static Scenario parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        for (Scenario scenario : values()) {
            if (scenario.displayName.toLowerCase(Locale.ROOT).equals(wanted)) {
                return scenario;
            }
        }
        throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "Unknown scenario '" + name
                + "'; expected one of " + Arrays.stream(values()).map(Scenario::displayName).toList());
    }
}
