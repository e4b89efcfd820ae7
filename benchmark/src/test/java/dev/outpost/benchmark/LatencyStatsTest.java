package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void uniformDistribution_percentilesWithinAThousandth() {
        Histogram histogram = LatencyStats.newHistogram();
        for (long micros = 1; micros <= 100_000; micros++) {
            histogram.recordValue(micros * 1000);
        }
        LatencyStats stats = LatencyStats.of(histogram);

        assertThat(stats.count()).isEqualTo(100_000);
        assertThat(stats.minNanos()).isEqualTo(1000);
        assertThat((double) stats.p50Nanos()).isCloseTo(50e6, within(50e3));
        assertThat((double) stats.p90Nanos()).isCloseTo(90e6, within(90e3));
        assertThat((double) stats.p95Nanos()).isCloseTo(95e6, within(95e3));
        assertThat((double) stats.p99Nanos()).isCloseTo(99e6, within(99e3));
        assertThat((double) stats.p999Nanos()).isCloseTo(99.9e6, within(99.9e3));
        assertThat((double) stats.maxNanos()).isCloseTo(100e6, within(100e3));
        assertThat(stats.meanNanos()).isCloseTo(50.0005e6, within(50e3));
    }

    @Test
    void exponentialSample_percentilesMatchTheExactOrderStatistics() {
        SplittableRandom random = new SplittableRandom(3);
        long[] values = new long[200_000];
        Histogram histogram = LatencyStats.newHistogram();
        for (int i = 0; i < values.length; i++) {
            values[i] = 100_000 + (long) (-Math.log1p(-random.nextDouble()) * 2_000_000);
            histogram.recordValue(values[i]);
        }
        Arrays.sort(values);
        LatencyStats stats = LatencyStats.of(histogram);

        for (double percentile : new double[] {50, 90, 95, 99, 99.9}) {
            long exact = values[(int) Math.ceil(percentile / 100 * values.length) - 1];
            long reported = stats.atPercentile(percentile);
            // Within 0.1% of the order statistic, or of rank within 0.01% of the sample (the sparse tail).
            long rank = Arrays.stream(values).filter(value -> value <= reported).count();
            assertThat(Math.abs(reported - exact) <= exact * 0.001
                    || Math.abs(rank - percentile / 100 * values.length) <= values.length * 1e-4)
                    .as("p%s: reported %d, exact %d, rank %d", percentile, reported, exact, rank).isTrue();
        }
        // The analytic quantile of the shifted exponential: 0.1 ms + 2 ms * ln(1/(1-q)).
        assertThat(stats.p99Nanos() / 1e6).isCloseTo(0.1 + 2 * Math.log(100), within(0.1));
    }

    @Test
    void emptyHistogram_givesZeros() {
        assertThat(LatencyStats.of(LatencyStats.newHistogram())).isEqualTo(new LatencyStats(0, 0, 0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void unorderedPercentiles_areRejected() {
        assertThatThrownBy(() -> new LatencyStats(3, 1, 5, 4, 6, 7, 8, 9, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not ordered");
    }

    @Test
    void atPercentile_namesTheReportedOnes() {
        LatencyStats stats = new LatencyStats(1, 1, 2, 3, 4, 5, 6, 7, 4);
        assertThat(stats.atPercentile(90)).isEqualTo(3);
        assertThatThrownBy(() -> stats.atPercentile(75)).hasMessageContaining("50, 90, 95, 99, 99.9");
    }
}
