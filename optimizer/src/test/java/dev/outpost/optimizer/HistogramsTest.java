package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Range choices from histograms against distributions whose answer is known. */
class HistogramsTest {

    private static final int BINS = 2048;

    @Test
    void percentile_clips_the_requested_share_of_each_tail() {
        long[] hist = new long[BINS];
        // uniform over [0, 100): one count per bin step, 2048 * 100 values
        for (int b = 0; b < BINS; b++) {
            hist[b] = 100;
        }
        TensorRange range = Histograms.percentile(hist, 0, 100, 99.0);
        assertThat(range.min()).isCloseTo(0.5, within(0.1));
        assertThat(range.max()).isCloseTo(99.5, within(0.1));
        assertThat(range.seenMax()).isEqualTo(100);
    }

    @Test
    void percentile_of_100_keeps_everything() {
        long[] hist = new long[BINS];
        hist[0] = 5;
        hist[BINS - 1] = 1;
        TensorRange range = Histograms.percentile(hist, -3, 7, 100.0);
        assertThat(range.min()).isEqualTo(-3);
        assertThat(range.max()).isEqualTo(7);
    }

    @Test
    void entropy_clips_rare_outliers_of_a_gaussian_but_keeps_its_body() {
        Random random = new Random(1);
        double absMax = 20;
        long[] hist = new long[BINS];
        for (int i = 0; i < 200_000; i++) {
            double v = Math.abs(random.nextGaussian());
            hist[Math.min(BINS - 1, (int) (v / absMax * BINS))]++;
        }
        hist[BINS - 1] += 5;
        TensorRange range = Histograms.entropy(hist, -absMax, absMax, 128);
        System.out.println("entropy threshold " + range.max());
        assertThat(range.max()).isBetween(2.5, 8.0);
        assertThat(range.min()).isEqualTo(-range.max());
    }

    @Test
    void mse_clips_outliers_only_when_rounding_the_many_costs_more_than_clipping_the_few() {
        Random random = new Random(2);
        double lo = -20;
        double hi = 20;
        long[] hist = new long[BINS];
        for (int i = 0; i < 2_000_000; i++) {
            double v = random.nextGaussian();
            hist[(int) ((v - lo) / (hi - lo) * BINS)]++;
        }
        hist[0] += 1;
        hist[BINS - 1] += 1;
        TensorRange range = Histograms.mse(hist, lo, hi, 256);
        assertThat(range.max()).isBetween(3.0, 10.0);
        assertThat(range.min()).isEqualTo(-range.max());

        long[] uniform = new long[BINS];
        java.util.Arrays.fill(uniform, 10);
        assertThat(Histograms.mse(uniform, 0, 1, 256).max()).isEqualTo(1.0);
        // a few far outliers among few values: clipping them costs more than coarser steps
        long[] sparse = hist.clone();
        for (int b = 1; b < BINS - 1; b++) {
            sparse[b] /= 100;
        }
        sparse[0] += 3;
        sparse[BINS - 1] += 3;
        assertThat(Histograms.mse(sparse, lo, hi, 256).max()).isGreaterThan(15.0);
    }
}
