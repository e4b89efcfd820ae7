package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PoissonArrivalsTest {

    private static final int N = 100_000;

    @Test
    void gaps_haveTheMeanOfTheRate() {
        PoissonArrivals arrivals = new PoissonArrivals(250, 42);
        double sum = 0;
        for (int i = 0; i < N; i++) {
            sum += arrivals.nextGapNanos();
        }
        // Mean 4 ms; the standard error of the mean of 100k exponential gaps is 0.32%.
        assertThat(sum / N).isCloseTo(4e6, within(4e6 * 0.012));
    }

    @Test
    void gaps_areExponential_kolmogorovSmirnov() {
        PoissonArrivals arrivals = new PoissonArrivals(1000, 7);
        double[] gaps = new double[N];
        for (int i = 0; i < N; i++) {
            gaps[i] = arrivals.nextGapNanos();
        }
        Arrays.sort(gaps);
        double mean = 1e6;
        double statistic = 0;
        for (int i = 0; i < N; i++) {
            double cdf = 1 - Math.exp(-gaps[i] / mean);
            statistic = Math.max(statistic, Math.max(cdf - (double) i / N, (i + 1.0) / N - cdf));
        }
        // Critical value at alpha = 0.01: 1.63 / sqrt(n).
        assertThat(statistic).isLessThan(1.63 / Math.sqrt(N));
    }

    @Test
    void gaps_failTheKsTestAgainstTheWrongRate() {
        PoissonArrivals arrivals = new PoissonArrivals(1000, 7);
        double[] gaps = new double[N];
        for (int i = 0; i < N; i++) {
            gaps[i] = arrivals.nextGapNanos();
        }
        Arrays.sort(gaps);
        double wrongMean = 1.05e6;
        double statistic = 0;
        for (int i = 0; i < N; i++) {
            double cdf = 1 - Math.exp(-gaps[i] / wrongMean);
            statistic = Math.max(statistic, Math.max(cdf - (double) i / N, (i + 1.0) / N - cdf));
        }
        // The test is sharp enough to tell a rate 5% off.
        assertThat(statistic).isGreaterThan(1.63 / Math.sqrt(N));
    }

    @Test
    void arrivalCounts_perSecondArePoisson_chiSquareOnTheDispersion() {
        // Counts in 1 s windows of a rate-20 process: mean 20 and variance 20 (index of dispersion 1).
        PoissonArrivals arrivals = new PoissonArrivals(20, 11);
        int windows = 5_000;
        int[] counts = new int[windows];
        long offset;
        while ((offset = arrivals.nextOffsetNanos()) < windows * 1_000_000_000L) {
            counts[(int) (offset / 1_000_000_000L)]++;
        }
        double mean = Arrays.stream(counts).average().orElseThrow();
        double chiSquare = Arrays.stream(counts).mapToDouble(count -> (count - mean) * (count - mean) / mean).sum();
        assertThat(mean).isCloseTo(20.0, within(0.3));
        // Dispersion statistic ~ chi-square(4999): mean 4999, sd 100; accept +-4 sd.
        assertThat(chiSquare).isBetween(4_599.0, 5_399.0);
    }

    @Test
    void sameSeed_sameSchedule() {
        PoissonArrivals first = new PoissonArrivals(100, 5);
        PoissonArrivals second = new PoissonArrivals(100, 5);
        for (int i = 0; i < 100; i++) {
            assertThat(first.nextOffsetNanos()).isEqualTo(second.nextOffsetNanos());
        }
    }

    @Test
    void rate_mustBePositiveAndFinite() {
        assertThatThrownBy(() -> new PoissonArrivals(0, 1)).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("rate is 0.0 per second; expected a positive finite rate");
        assertThatThrownBy(() -> new PoissonArrivals(Double.POSITIVE_INFINITY, 1))
                .isInstanceOf(BenchmarkException.class);
    }
}
