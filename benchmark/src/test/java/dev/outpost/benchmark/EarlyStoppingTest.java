package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** MLPerf's early-stopping estimate against ranks computed exactly with rational arithmetic. */
class EarlyStoppingTest {

    @Test
    void ranks_match_the_exact_binomial_computation() {
        // smallest k with P(Binomial(n, p) <= k - 1) >= 0.99, by exact fractions (Python's Fraction and comb)
        assertThat(EarlyStopping.rank(100, 90, 0.99)).isEqualTo(97);
        assertThat(EarlyStopping.rank(1000, 90, 0.99)).isEqualTo(922);
        assertThat(EarlyStopping.rank(50, 90, 0.99)).isEqualTo(50);
        assertThat(EarlyStopping.rank(662, 99, 0.99)).isEqualTo(661);
    }

    @Test
    void too_few_queries_give_no_estimate_and_bad_arguments_are_named() {
        assertThat(EarlyStopping.rank(10, 90, 0.99)).isEqualTo(-1);
        assertThat(EarlyStopping.rank(1, 99, 0.99)).isEqualTo(-1);
        assertThatThrownBy(() -> EarlyStopping.rank(100, 100, 0.99)).hasMessageContaining("percentile 100.0");
    }

    @Test
    void the_estimate_is_a_conservative_percentile_that_tightens_with_more_queries() {
        Histogram small = LatencyStats.newHistogram();
        Histogram large = LatencyStats.newHistogram();
        for (int i = 1; i <= 1000; i++) {
            small.recordValue(i * 1000L);
            for (int r = 0; r < 100; r++) {
                large.recordValue(i * 1000L);
            }
        }
        LatencyStats few = LatencyStats.of(small);
        LatencyStats many = LatencyStats.of(large);
        // the 922nd of 1000 uniform values
        assertThat((double) few.earlyStoppingP90Nanos()).isCloseTo(922_000, within(1_000.0));
        assertThat(few.earlyStoppingP90Nanos()).isGreaterThan(few.p90Nanos());
        assertThat(many.earlyStoppingP90Nanos()).isBetween(many.p90Nanos(), few.earlyStoppingP90Nanos() - 1);
        assertThat(few.earlyStoppingNanos(99)).isEqualTo(few.earlyStoppingP99Nanos());
        assertThat(new LatencyStats(1, 1, 1, 1, 1, 1, 1, 1, 1).earlyStoppingP90Nanos()).isEqualTo(-1);
    }
}
