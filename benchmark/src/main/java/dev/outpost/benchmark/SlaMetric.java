package dev.outpost.benchmark;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * The quantities an SLA budget can bound, each with its unit family and how it is read from a
 * {@link BenchReport} (latencies from the representative run). Base units: nanoseconds, bytes,
 * samples per second, GMAC/s, fractions, joules.
 *
 * <p>Immutable and thread-safe.
 */
public enum SlaMetric {
    /** Median latency. */
    P50("p50", Unit.TIME, report -> latency(report, LatencyStats::p50Nanos)),
    /** 90th-percentile latency. */
    P90("p90", Unit.TIME, report -> latency(report, LatencyStats::p90Nanos)),
    /** 95th-percentile latency. */
    P95("p95", Unit.TIME, report -> latency(report, LatencyStats::p95Nanos)),
    /** 99th-percentile latency. */
    P99("p99", Unit.TIME, report -> latency(report, LatencyStats::p99Nanos)),
    /** 99.9th-percentile latency (also written {@code p999}). */
    P999("p99.9", Unit.TIME, report -> latency(report, LatencyStats::p999Nanos)),
    /** Smallest latency. */
    MIN("min", Unit.TIME, report -> latency(report, LatencyStats::minNanos)),
    /** Largest latency. */
    MAX("max", Unit.TIME, report -> latency(report, LatencyStats::maxNanos)),
    /** Mean latency. */
    MEAN("mean", Unit.TIME, report -> OptionalDouble.of(report.representative().result().latency().meanNanos())),
    /** Latency of the first inference (warm-up's first query). */
    FIRST("first", Unit.TIME, report -> OptionalDouble.of(report.warmUp().firstQueryNanos())),
    /** Opening the model in-process. */
    LOAD("load", Unit.TIME, report -> OptionalDouble.of(report.warmLoadNanos())),
    /** A cold start: fresh process spawn to exit, first inference included. */
    COLD("cold", Unit.TIME, report -> report.coldStart().map(cold -> OptionalDouble.of(cold.processWallNanos()))
            .orElse(OptionalDouble.empty())),
    /** Peak resident set. */
    RSS("rss", Unit.BYTES, report -> known(report.memory().peakRssBytes())),
    /** Peak Java heap in use. */
    HEAP("heap", Unit.BYTES, report -> known(report.memory().peakHeapUsedBytes())),
    /** Resident memory outside the Java heap. */
    NATIVE("native", Unit.BYTES, report -> known(report.memory().nativeBytes())),
    /** Model file size. */
    SIZE("size", Unit.BYTES, report -> OptionalDouble.of(report.modelSizeBytes())),
    /** Samples per second; for a Server search, the best rate that met the bound. */
    QPS("qps", Unit.RATE, report -> OptionalDouble.of(report.serverSearch()
            .map(ServerSearchResult::bestQps).orElse(report.samplesPerSecond()))),
    /** Achieved GMAC/s (needs the model's MACs). */
    GMACS("gmacs", Unit.GMACS, report -> finite(report.gmacsPerSecond())),
    /** CPU utilization of the representative run, a fraction of the available cores. */
    CPU("cpu", Unit.FRACTION, report -> finite(report.representative().cpu().utilization())),
    /** Energy per sample (needs RAPL or a meter). */
    ENERGY("energy", Unit.ENERGY, report -> report.representative().energy().available()
            ? OptionalDouble.of(report.representative().energy().joulesPerSample()) : OptionalDouble.empty()),
    /** Top-1 accuracy; not measured by {@code bench} (it comes from {@code outpost eval}). */
    TOP1("top1", Unit.FRACTION, report -> OptionalDouble.empty());

    /** Unit families: the suffixes each accepts and their factor to the base unit. */
    enum Unit {
        TIME(Map.of("ns", 1.0, "us", 1e3, "µs", 1e3, "ms", 1e6, "s", 1e9), false, "ns, us, ms, s"),
        BYTES(Map.of("b", 1.0, "kb", 1e3, "mb", 1e6, "gb", 1e9, "kib", 1024.0, "mib", 1024.0 * 1024,
                "gib", 1024.0 * 1024 * 1024), false, "B, KB, MB, GB, KiB, MiB, GiB"),
        RATE(Map.of("qps", 1.0, "", 1.0), true, "qps (or none)"),
        GMACS(Map.of("gmacs", 1.0, "", 1.0), true, "gmacs (or none)"),
        FRACTION(Map.of("%", 0.01, "", 1.0), true, "% or none (a fraction 0..1)"),
        ENERGY(Map.of("j", 1.0, "mj", 1e-3, "uj", 1e-6), false, "J, mJ, uJ (per sample)");

        final Map<String, Double> factors;
        final boolean unitOptional;
        final String valid;

        Unit(Map<String, Double> factors, boolean unitOptional, String valid) {
            this.factors = factors;
            this.unitOptional = unitOptional;
            this.valid = valid;
        }
    }

    private final String key;
    private final Unit unit;
    private final Function<BenchReport, OptionalDouble> reader;

    SlaMetric(String key, Unit unit, Function<BenchReport, OptionalDouble> reader) {
        this.key = key;
        this.unit = unit;
        this.reader = reader;
    }

    /** The name used in budgets, e.g. {@code p90}. */
    public String key() {
        return key;
    }

    Unit unit() {
        return unit;
    }

    /** The value in the base unit, or empty when this run did not measure it. */
    OptionalDouble read(BenchReport report) {
        return reader.apply(report);
    }

    /** Every budget name, for error messages. */
    static List<String> keys() {
        return Arrays.stream(values()).map(SlaMetric::key).toList();
    }

    private static OptionalDouble latency(BenchReport report, java.util.function.ToLongFunction<LatencyStats> field) {
        return OptionalDouble.of(field.applyAsLong(report.representative().result().latency()));
    }

    private static OptionalDouble known(long value) {
        return value < 0 ? OptionalDouble.empty() : OptionalDouble.of(value);
    }

    private static OptionalDouble finite(double value) {
        return Double.isFinite(value) ? OptionalDouble.of(value) : OptionalDouble.empty();
    }
}
