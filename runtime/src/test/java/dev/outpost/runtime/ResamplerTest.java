package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResamplerTest {

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static int[] unsigned(byte[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] & 0xff;
        }
        return out;
    }

    @Test
    void enlarging_2x2_to_4x4_gives_half_pixel_bilinear_values() {
        byte[] src = bytes(0, 100, 200, 40);

        byte[] out = Resampler.resize(src, 2, 2, 1, 4, 4, 0, 0, 4, 4, false);

        // Columns sample the input at -0.25, 0.25, 0.75, 1.25 (clamped): weights 1 | .75/.25 | .25/.75 | 1.
        assertThat(unsigned(out)).containsExactly(
                0, 25, 75, 100,
                50, 59, 76, 85,
                150, 126, 79, 55,
                200, 160, 80, 40);
    }

    @Test
    void antialias_changes_nothing_when_enlarging() {
        byte[] src = bytes(0, 100, 200, 40);

        assertThat(Resampler.resize(src, 2, 2, 1, 4, 4, 0, 0, 4, 4, true))
                .containsExactly(Resampler.resize(src, 2, 2, 1, 4, 4, 0, 0, 4, 4, false));
    }

    @Test
    void shrinking_by_two_averages_neighbour_pairs_without_antialias() {
        byte[] src = bytes(10, 20, 30, 40);

        assertThat(unsigned(Resampler.resize(src, 4, 1, 1, 2, 1, 0, 0, 2, 1, false))).containsExactly(15, 35);
    }

    @Test
    void shrinking_with_antialias_widens_the_triangle_filter_like_pil() {
        byte[] src = bytes(10, 20, 30, 40);

        // Output 0 is centred at input 1.0 with support 2: weights .75, .75, .25 -> 30 / 1.75 = 17.14.
        // Output 1 is centred at 3.0: weights .25, .75, .75 over 20, 30, 40 -> 57.5 / 1.75 = 32.86.
        assertThat(unsigned(Resampler.resize(src, 4, 1, 1, 2, 1, 0, 0, 2, 1, true))).containsExactly(17, 33);
    }

    @Test
    void same_size_is_the_identity_for_every_channel() {
        byte[] src = new byte[5 * 3 * 3];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (i * 7);
        }

        assertThat(Resampler.resize(src, 5, 3, 3, 5, 3, 0, 0, 5, 3, false)).containsExactly(src);
    }

    @Test
    void a_window_equals_the_same_region_of_the_full_result() {
        byte[] src = new byte[37 * 23 * 3];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) ((i * 31) ^ (i >> 3));
        }
        byte[] full = Resampler.resize(src, 37, 23, 3, 19, 29, 0, 0, 19, 29, true);

        byte[] window = Resampler.resize(src, 37, 23, 3, 19, 29, 4, 6, 11, 13, true);

        for (int y = 0; y < 13; y++) {
            for (int x = 0; x < 11 * 3; x++) {
                assertThat(window[y * 33 + x]).as("window pixel byte %d,%d", x, y)
                        .isEqualTo(full[(y + 6) * 19 * 3 + 4 * 3 + x]);
            }
        }
    }

    @Test
    void a_window_outside_the_result_is_rejected() {
        assertThatThrownBy(() -> Resampler.resize(new byte[12], 2, 2, 3, 4, 4, 2, 0, 3, 4, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the 4x4 result");
    }
}
