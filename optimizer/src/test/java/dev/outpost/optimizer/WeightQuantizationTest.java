package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Weight and bias quantization arithmetic against its definition. */
class WeightQuantizationTest {

    @Test
    void per_channel_int8_weights_round_trip_within_half_a_step_of_their_channel() {
        Random random = new Random(5);
        float[] w = new float[4 * 3 * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian() * (1 + i / 6);
        }
        WeightQuantization.Quantized q = WeightQuantization.quantize(w, new long[] {4, 3, 2}, 0, QuantType.INT8,
                true, false);
        for (int i = 0; i < w.length; i++) {
            int c = i / 6;
            float scale = q.params().scale(c);
            double back = scale * (q.data()[i] - q.params().zeroPoint(c));
            assertThat(Math.abs(back - w[i])).as("element %d", i).isLessThanOrEqualTo(scale / 2 + 1e-6);
        }
        assertThat(q.params().zeroPoints()).containsOnly(0);
    }

    @Test
    void axis_one_channels_are_columns() {
        float[] w = {1, 100, 2, 200, -3, -300};
        WeightQuantization.Quantized q = WeightQuantization.quantize(w, new long[] {3, 2}, 1, QuantType.INT8, true,
                false);
        assertThat(q.params().scale(0)).isCloseTo(3f / 127, org.assertj.core.api.Assertions.within(1e-6f));
        assertThat(q.params().scale(1)).isCloseTo(300f / 127, org.assertj.core.api.Assertions.within(1e-4f));
        assertThat(q.data()).containsExactly(42, 42, 85, 85, -127, -127);
    }
}
