package dev.outpost.benchmark;

import java.time.Duration;
import java.util.Objects;

/**
 * How one scenario run is driven. A run stops when its duration has passed and it has issued at least
 * {@code minQueries} queries and {@code minSamples} samples. Start from {@link #quick(Scenario)} (about
 * 10 s, LoadGen's built-in defaults) or {@link #compliance(Scenario)} (MLPerf's minimums) and change
 * fields with the {@code with...} methods.
 *
 * <p>Immutable and thread-safe.
 *
 * @param scenario the load pattern
 * @param duration minimum measured time, positive
 * @param minQueries minimum number of queries, at least 1
 * @param minSamples minimum number of samples, at least 0
 * @param samplesPerQuery samples in one query, at least 1
 * @param warmupQueries queries run before measuring (the first is reported as first-inference latency), at least 1
 * @param targetQps Server: arrival rate in queries per second; 0 means search for the highest rate that
 *     meets {@code latencyBound}
 * @param latencyBound Server: the bound on the 99th-percentile latency, positive
 * @param workers Server: queries processed concurrently, at least 1
 * @param seed seed of the Poisson arrival times
 */
public record RunSettings(Scenario scenario, Duration duration, long minQueries, long minSamples,
        int samplesPerQuery, int warmupQueries, double targetQps, Duration latencyBound, int workers, long seed) {

    /** LoadGen's built-in minimum duration ({@code loadgen/test_settings.h}). */
    public static final Duration QUICK_DURATION = Duration.ofSeconds(10);
    /** MLPerf's minimum duration for every scenario in a compliant run. */
    public static final Duration COMPLIANCE_DURATION = Duration.ofSeconds(600);
    /** The Server latency bound used when none is given: MLPerf's ResNet-50 Server bound, 15 ms. */
    public static final Duration DEFAULT_LATENCY_BOUND = Duration.ofMillis(15);

    /** Validates every field; see the record components for the valid ranges. */
    public RunSettings {
        Objects.requireNonNull(scenario, "scenario");
        requirePositive("duration", duration);
        requirePositive("latencyBound", latencyBound);
        require(minQueries >= 1, "minQueries", minQueries, ">= 1");
        require(minSamples >= 0, "minSamples", minSamples, ">= 0");
        require(samplesPerQuery >= 1, "samplesPerQuery", samplesPerQuery, ">= 1");
        require(warmupQueries >= 1, "warmupQueries", warmupQueries, ">= 1");
        require(workers >= 1, "workers", workers, ">= 1");
        if (!(targetQps >= 0) || Double.isInfinite(targetQps)) {
            throw invalid("targetQps", targetQps, "a finite rate >= 0 (0: search)");
        }
        if (scenario == Scenario.MULTI_STREAM && samplesPerQuery != 8) {
            // MLPerf fixes MultiStream at 8 samples per query; a different count is a different benchmark.
            throw invalid("samplesPerQuery", samplesPerQuery, "8 for MultiStream (MLPerf's samples_per_query)");
        }
    }

    /**
     * The quick development profile: 10 s and 100 queries (LoadGen's built-in defaults), 10 warm-up
     * queries, Server bound 15 ms with a rate search.
     */
    public static RunSettings quick(Scenario scenario) {
        return new RunSettings(scenario, QUICK_DURATION, 100, 0, scenario.defaultSamplesPerQuery(), 10, 0,
                DEFAULT_LATENCY_BOUND, 1, 1);
    }

    /**
     * MLPerf's minimums (mlperf.conf and inference_rules.adoc): 600 s for every scenario; SingleStream
     * 100 queries (LoadGen default; MLPerf's early stopping then decides), MultiStream 662 queries,
     * Server 270,336 queries (the suggested count for p99), Offline 24,576 samples.
     */
    public static RunSettings compliance(Scenario scenario) {
        long minQueries = switch (scenario) {
            case SINGLE_STREAM, OFFLINE -> 100;
            case MULTI_STREAM -> 662;
            case SERVER -> 270_336;
        };
        long minSamples = scenario == Scenario.OFFLINE ? 24_576 : 0;
        return new RunSettings(scenario, COMPLIANCE_DURATION, minQueries, minSamples,
                scenario.defaultSamplesPerQuery(), 10, 0, DEFAULT_LATENCY_BOUND, 1, 1);
    }

    /** A copy with another duration. */
    public RunSettings withDuration(Duration newDuration) {
        return new RunSettings(scenario, newDuration, minQueries, minSamples, samplesPerQuery, warmupQueries,
                targetQps, latencyBound, workers, seed);
    }

    /** A copy with another minimum query count. */
    public RunSettings withMinQueries(long newMinQueries) {
        return new RunSettings(scenario, duration, newMinQueries, minSamples, samplesPerQuery, warmupQueries,
                targetQps, latencyBound, workers, seed);
    }

    /** A copy with another sample count per query (Offline: the batch). */
    public RunSettings withSamplesPerQuery(int samples) {
        return new RunSettings(scenario, duration, minQueries, minSamples, samples, warmupQueries,
                targetQps, latencyBound, workers, seed);
    }

    /** A copy with another number of warm-up queries. */
    public RunSettings withWarmupQueries(int queries) {
        return new RunSettings(scenario, duration, minQueries, minSamples, samplesPerQuery, queries,
                targetQps, latencyBound, workers, seed);
    }

    /** A copy with another Server target rate (0: search). */
    public RunSettings withTargetQps(double qps) {
        return new RunSettings(scenario, duration, minQueries, minSamples, samplesPerQuery, warmupQueries,
                qps, latencyBound, workers, seed);
    }

    /** A copy with another Server latency bound. */
    public RunSettings withLatencyBound(Duration bound) {
        return new RunSettings(scenario, duration, minQueries, minSamples, samplesPerQuery, warmupQueries,
                targetQps, bound, workers, seed);
    }

    /** A copy with another Server worker count. */
    public RunSettings withWorkers(int count) {
        return new RunSettings(scenario, duration, minQueries, minSamples, samplesPerQuery, warmupQueries,
                targetQps, latencyBound, count, seed);
    }

    /** A copy with another seed for the arrival times. */
    public RunSettings withSeed(long newSeed) {
        return new RunSettings(scenario, duration, minQueries, minSamples, samplesPerQuery, warmupQueries,
                targetQps, latencyBound, workers, newSeed);
    }

    private static void requirePositive(String field, Duration value) {
        Objects.requireNonNull(value, field);
        if (value.isNegative() || value.isZero()) {
            throw invalid(field, value, "a positive duration");
        }
    }

    private static void require(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw invalid(field, value, expected);
        }
    }

    private static BenchmarkException invalid(String field, Object value, String expected) {
        return new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                "RunSettings." + field + " is " + value + "; expected " + expected);
    }
}
