package dev.outpost.benchmark;

import org.HdrHistogram.Histogram;

/**
 * A latency distribution summarised from an HdrHistogram (3 significant digits, so every figure is
 * within 0.1% of the recorded value). All times are in nanoseconds.
 *
 * <p>Immutable and thread-safe.
 *
 * @param count number of recorded latencies
 * @param minNanos smallest
 * @param p50Nanos median
 * @param p90Nanos 90th percentile
 * @param p95Nanos 95th percentile
 * @param p99Nanos 99th percentile
 * @param p999Nanos 99.9th percentile
 * @param maxNanos largest
 * @param meanNanos arithmetic mean
 * @param earlyStoppingP90Nanos MLPerf's early-stopping estimate of the 90th percentile at 99 % confidence
 *     ({@link EarlyStopping}); -1 when there are too few latencies for one
 * @param earlyStoppingP99Nanos the same for the 99th percentile
 */
public record LatencyStats(long count, long minNanos, long p50Nanos, long p90Nanos, long p95Nanos,
        long p99Nanos, long p999Nanos, long maxNanos, double meanNanos, long earlyStoppingP90Nanos,
        long earlyStoppingP99Nanos) {

    /** The largest latency a histogram tracks: one hour. */
    static final long HIGHEST_TRACKABLE_NANOS = 3_600_000_000_000L;

    /** Requires a count >= 0 and ordered percentiles. */
    public LatencyStats {
        if (count < 0) {
            throw new IllegalArgumentException("LatencyStats.count is " + count + "; expected >= 0");
        }
        if (count > 0 && !(minNanos <= p50Nanos && p50Nanos <= p90Nanos && p90Nanos <= p95Nanos
                && p95Nanos <= p99Nanos && p99Nanos <= p999Nanos && p999Nanos <= maxNanos)) {
            throw new IllegalArgumentException("LatencyStats percentiles are not ordered: min " + minNanos
                    + ", p50 " + p50Nanos + ", p90 " + p90Nanos + ", p95 " + p95Nanos + ", p99 " + p99Nanos
                    + ", p99.9 " + p999Nanos + ", max " + maxNanos);
        }
    }

    /** Stats without early-stopping estimates (a summary that has none). */
    public LatencyStats(long count, long minNanos, long p50Nanos, long p90Nanos, long p95Nanos, long p99Nanos,
            long p999Nanos, long maxNanos, double meanNanos) {
        this(count, minNanos, p50Nanos, p90Nanos, p95Nanos, p99Nanos, p999Nanos, maxNanos, meanNanos, -1, -1);
    }

    /** A new empty histogram of the precision these stats use. */
    static Histogram newHistogram() {
        return new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    }

    /** Summarises a histogram; an empty one gives all zeros. */
    static LatencyStats of(Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return new LatencyStats(0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        return new LatencyStats(histogram.getTotalCount(), histogram.getMinValue(),
                histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                histogram.getValueAtPercentile(95), histogram.getValueAtPercentile(99),
                histogram.getValueAtPercentile(99.9), histogram.getMaxValue(), histogram.getMean(),
                earlyStopping(histogram, 90), earlyStopping(histogram, 99));
    }

    private static long earlyStopping(Histogram histogram, double percentile) {
        long n = histogram.getTotalCount();
        long rank = EarlyStopping.rank(n, percentile, EarlyStopping.CONFIDENCE);
        return rank < 0 ? -1 : histogram.getValueAtPercentile(100.0 * rank / n);
    }

    /** The early-stopping estimate for the scenario's percentile (90 or 99); -1 when there is none. */
    public long earlyStoppingNanos(double percentile) {
        if (percentile == 90) {
            return earlyStoppingP90Nanos;
        } else if (percentile == 99) {
            return earlyStoppingP99Nanos;
        }
        throw new IllegalArgumentException("Early stopping is estimated for the 90th and 99th percentiles; received "
                + percentile);
    }

    /** The latency at one of the reported percentiles: 50, 90, 95, 99 or 99.9. */
    public long atPercentile(double percentile) {
        if (percentile == 50) {
            return p50Nanos;
        } else if (percentile == 90) {
            return p90Nanos;
        } else if (percentile == 95) {
            return p95Nanos;
        } else if (percentile == 99) {
            return p99Nanos;
        } else if (percentile == 99.9) {
            return p999Nanos;
        }
        throw new IllegalArgumentException("Percentile " + percentile + " is not reported; expected one of"
                + " 50, 90, 95, 99, 99.9");
    }
}
