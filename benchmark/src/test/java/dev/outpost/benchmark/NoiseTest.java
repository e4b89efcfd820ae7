package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class NoiseTest {

    @Test
    void medianAndSampleCv() {
        Noise noise = Noise.of("p90", List.of(10.0, 12.0, 11.0, 9.0, 13.0), 0.05);

        assertThat(noise.median()).isEqualTo(11.0);
        // mean 11, sample sd sqrt(10/4) = 1.5811
        assertThat(noise.cv()).isCloseTo(1.5811 / 11, within(1e-4));
        assertThat(noise.tooNoisy()).isTrue();
        assertThat(noise.warning()).startsWith("p90 varies 14.4% between runs (above 5%)");
        assertThat(noise.values()).containsExactly(10.0, 12.0, 11.0, 9.0, 13.0);
    }

    @Test
    void quietRuns_noWarning() {
        Noise noise = Noise.of("qps", List.of(100.0, 101.0, 99.0, 100.5), 0.05);

        assertThat(noise.median()).isEqualTo(100.25);
        assertThat(noise.tooNoisy()).isFalse();
        assertThat(noise.warning()).isEmpty();
    }

    @Test
    void oneRun_hasNoSpread() {
        Noise noise = Noise.of("p90", List.of(7.0), 0.05);

        assertThat(noise.cv()).isNaN();
        assertThat(noise.tooNoisy()).isFalse();
        assertThat(noise.representativeIndex()).isZero();
    }

    @Test
    void representative_isTheRunNearestTheMedian() {
        assertThat(Noise.of("x", List.of(50.0, 10.0, 30.0), 0.05).representativeIndex()).isEqualTo(2);
    }

    @Test
    void noValues_isRejected() {
        assertThatThrownBy(() -> Noise.of("x", List.of(), 0.05)).hasMessageContaining("expected at least one run");
    }
}
