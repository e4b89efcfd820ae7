package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ComparisonTest {

    private final FakeClock clock = new FakeClock();
    private final LoadGenerator generator = new LoadGenerator(clock, ProgressListener.NONE);
    private final List<String> issued = new ArrayList<>();

    /** A SUT of {@code nanosPerSample} times a seeded log-normal jitter (sigma 10%), recording its label. */
    private Comparison.Contender jittery(String label, long nanosPerSample, long seed) {
        Random random = new Random(seed);
        return new Comparison.Contender(label, samples -> {
            issued.add(label);
            clock.advance((long) (nanosPerSample * samples * Math.exp(0.1 * random.nextGaussian())));
        });
    }

    private static RunSettings settings() {
        return RunSettings.quick(Scenario.SINGLE_STREAM).withDuration(Duration.ofSeconds(2)).withMinQueries(200);
    }

    @Test
    void twiceAsSlowContender_ratioIntervalContainsTwo_andIsSlower() {
        ComparisonResult result = Comparison.run(generator, List.of(jittery("A", 1_000_000, 1),
                jittery("B", 2_000_000, 2)), settings(), 10);

        assertThat(result.ratios()).extracting(ComparisonResult.Ratio::metric)
                .containsExactly("p50 latency", "p90 latency", "throughput");
        for (ComparisonResult.Ratio ratio : result.ratiosOf("B")) {
            double truth = ratio.lowerIsBetter() ? 2.0 : 0.5;
            assertThat(ratio.low()).as(ratio.metric()).isLessThanOrEqualTo(truth);
            assertThat(ratio.high()).as(ratio.metric()).isGreaterThanOrEqualTo(truth);
            assertThat(ratio.ratio()).as(ratio.metric()).isCloseTo(truth, within(truth * 0.05));
            assertThat(ratio.significant()).isTrue();
            assertThat(ratio.better()).isFalse();
        }
        assertThat(result.ratiosOf("B").get(0).verdict()).matches("[12]\\.\\d\\dx slower");
        assertThat(result.ratiosOf("B").get(2).verdict()).matches("[12]\\.\\d\\dx lower");
    }

    @Test
    void p50Added_isTheBlockPairedDifference_withAnIntervalAroundTheTruth() {
        ComparisonResult result = Comparison.run(generator, List.of(jittery("in-process", 5_000_000, 1),
                jittery("over http", 5_300_000, 2)), settings(), 10);

        ComparisonResult.Difference added = result.p50Added(1);

        assertThat(added.contender()).isEqualTo("over http");
        assertThat(added.meanNanos()).isCloseTo(300_000, within(60_000.0));
        assertThat(added.lowNanos()).isLessThanOrEqualTo(300_000).isLessThan(added.meanNanos());
        assertThat(added.highNanos()).isGreaterThanOrEqualTo(300_000).isGreaterThan(added.meanNanos());
        assertThat(added.medianNanos()).isCloseTo(300_000, within(80_000.0));
        assertThatThrownBy(() -> result.p50Added(0)).hasMessageContaining("expected 1..1");
    }

    @Test
    void threeContenders_eachRatioAgainstTheFirst_containsItsTruth() {
        ComparisonResult result = Comparison.run(generator, List.of(jittery("base", 3_000_000, 7),
                jittery("faster", 1_000_000, 8), jittery("slower", 4_500_000, 9)), settings(), 8);

        ComparisonResult.Ratio faster = result.ratiosOf("faster").get(0);
        ComparisonResult.Ratio slower = result.ratiosOf("slower").get(0);
        assertThat(faster.low()).isLessThanOrEqualTo(1.0 / 3).as("upper end").satisfies(
                low -> assertThat(faster.high()).isGreaterThanOrEqualTo(1.0 / 3));
        assertThat(faster.better()).isTrue();
        assertThat(faster.verdict()).endsWith("x faster");
        assertThat(slower.low()).isLessThanOrEqualTo(1.5);
        assertThat(slower.high()).isGreaterThanOrEqualTo(1.5);
        assertThat(result.blocks()).allSatisfy(blocks -> assertThat(blocks).hasSize(8));
    }

    @Test
    void identicalContenders_intervalContainsOne_noVerdict() {
        ComparisonResult result = Comparison.run(generator, List.of(jittery("A", 1_000_000, 3),
                jittery("A again", 1_000_000, 4)), settings(), 10);

        for (ComparisonResult.Ratio ratio : result.ratios()) {
            assertThat(ratio.low()).as(ratio.metric()).isLessThan(1.0);
            assertThat(ratio.high()).as(ratio.metric()).isGreaterThan(1.0);
            assertThat(ratio.verdict()).isEqualTo("no significant difference");
        }
    }

    @Test
    void blocksAreInterleaved_withRotatingStart() {
        ComparisonResult result = Comparison.run(generator, List.of(jittery("A", 1_000_000, 1),
                jittery("B", 1_000_000, 2)), settings().withWarmupQueries(1), 4);
        assertThat(result.blocks()).allSatisfy(blocks -> assertThat(blocks).hasSize(4)
                .allSatisfy(block -> assertThat(block.queries()).isGreaterThanOrEqualTo(50)));

        // Warm-up A, warm-up B, then blocks A B | B A | A B | B A; collapsing repeats of a label gives
        // A B A B A B A (the rotation puts the same contender at both sides of a block boundary).
        List<String> runs = new ArrayList<>();
        for (String label : issued) {
            if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(label)) {
                runs.add(label);
            }
        }
        assertThat(runs).containsExactly("A", "B", "A", "B", "A", "B", "A");
    }

    @Test
    void render_listsMediansRatiosAndTheMethod() {
        ComparisonResult result = Comparison.run(generator, List.of(jittery("A", 1_000_000, 1),
                jittery("B", 2_000_000, 2)), settings(), 5);

        assertThat(result.render()).contains("5 interleaved blocks", "(baseline)", "p90 latency", "x slower",
                ComparisonResult.METHOD);
    }

    @Test
    void rejectsOneContender_oneBlock_andServerWithoutRate() {
        assertThatThrownBy(() -> Comparison.run(generator, List.of(jittery("A", 1, 1)), settings(), 10))
                .isInstanceOf(BenchmarkException.class).hasMessageContaining("at least 2").hasMessageContaining("got 1");
        assertThatThrownBy(() -> Comparison.run(generator, List.of(jittery("A", 1, 1), jittery("B", 1, 2)),
                settings(), 1)).isInstanceOf(BenchmarkException.class).hasMessageContaining("blocks is 1");
        assertThatThrownBy(() -> Comparison.run(generator, List.of(jittery("A", 1, 1), jittery("B", 1, 2)),
                RunSettings.quick(Scenario.SERVER), 10)).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("--target-qps");
    }

    @Test
    void tQuantile_matchesTheTableAndApproachesTheNormal() {
        assertThat(ComparisonResult.tQuantile975(1)).isEqualTo(12.706);
        assertThat(ComparisonResult.tQuantile975(9)).isEqualTo(2.262);
        assertThat(ComparisonResult.tQuantile975(60)).isCloseTo(2.000, within(0.002));
        assertThat(ComparisonResult.tQuantile975(120)).isCloseTo(1.980, within(0.002));
    }
}
