package dev.outpost.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Compares two or more systems under test (models, or one model under several configurations) in one
 * interleaved run: after a warm-up of each, the measured time is cut into blocks, and every block runs
 * each contender once, back to back (A B C, then B C A, then C A B, ...: the starting contender rotates
 * so no contender always follows the same one). Slow drifts of the machine (frequency, temperature,
 * other processes) then hit every contender alike instead of whichever happened to run last.
 *
 * <p>Ratios against the first contender come from the blocks as pairs: for each block, the log of
 * (contender's figure / first contender's figure); a Student-t interval on the mean of those logs,
 * exponentiated, is the ratio's confidence interval (a geometric-mean ratio). See {@link ComparisonResult}.
 *
 * <p>Not thread-safe: one comparison at a time per {@link LoadGenerator}.
 */
public final class Comparison {

    /** Blocks when none are given: 10 pairs give a t-interval with 9 degrees of freedom. */
    public static final int DEFAULT_BLOCKS = 10;
    /** Minimum queries per block, whatever the settings' count divided by the blocks. */
    static final long MIN_QUERIES_PER_BLOCK = 10;

    /**
     * One contender of a comparison.
     *
     * @param label its name in reports, e.g. {@code "mobilenet.onnx threads=2"}
     * @param sut what runs its queries
     */
    public record Contender(String label, Sut sut) {

        /** Requires a non-blank label and a SUT. */
        public Contender {
            Objects.requireNonNull(sut, "sut");
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("Contender label is '" + label + "'; expected a name");
            }
        }
    }

    private Comparison() {
    }

    /**
     * Runs the interleaved comparison. Each block of each contender lasts {@code settings.duration() /
     * blocks} and at least {@code max(10, settings.minQueries() / blocks)} queries, so the whole
     * measurement takes about {@code contenders x settings.duration()}.
     *
     * @param generator the load generator (its progress listener sees each block)
     * @param contenders two or more, the first being the baseline of every ratio
     * @param settings the scenario; Server needs a target rate (the search is not interleaved)
     * @param blocks how many blocks, at least 2
     * @throws BenchmarkException ({@code INVALID_SETTING}) for fewer than 2 contenders or blocks, or a
     *     Server scenario without a target rate
     */
    public static ComparisonResult run(LoadGenerator generator, List<Contender> contenders, RunSettings settings,
            int blocks) {
        Objects.requireNonNull(generator, "generator");
        Objects.requireNonNull(settings, "settings");
        List<Contender> all = List.copyOf(contenders);
        if (all.size() < 2) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "--compare needs at least 2"
                    + " models or configurations; got " + all.size());
        }
        if (blocks < 2) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "Comparison blocks is " + blocks
                    + "; expected >= 2 (an interval needs at least two pairs)");
        }
        if (settings.scenario() == Scenario.SERVER && settings.targetQps() <= 0) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "--compare with the server"
                    + " scenario needs --target-qps (the rate search is not interleaved)");
        }
        RunSettings blockSettings = settings.withDuration(blockDuration(settings.duration(), blocks))
                .withMinQueries(Math.max(MIN_QUERIES_PER_BLOCK, settings.minQueries() / blocks));
        List<WarmUp> warmUps = new ArrayList<>();
        for (Contender contender : all) {
            warmUps.add(generator.warmUp(contender.sut(), settings));
        }
        List<List<ScenarioResult>> results = new ArrayList<>();
        all.forEach(contender -> results.add(new ArrayList<>()));
        for (int block = 0; block < blocks; block++) {
            for (int turn = 0; turn < all.size(); turn++) {
                int index = (block + turn) % all.size();
                results.get(index).add(generator.run(all.get(index).sut(), blockSettings));
            }
        }
        List<String> labels = all.stream().map(Contender::label).toList();
        return ComparisonResult.of(settings.scenario(), labels, warmUps, results);
    }

    private static Duration blockDuration(Duration total, int blocks) {
        Duration block = total.dividedBy(blocks);
        return block.isZero() ? Duration.ofNanos(1) : block;
    }
}
