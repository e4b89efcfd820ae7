package dev.outpost.benchmark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * What an interleaved {@link Comparison} measured: each contender's block results, and for every
 * contender after the first its ratios against the first, with 95% confidence intervals.
 *
 * <p>Interval method: a paired Student-t interval on log ratios. Block {@code b} gives the pair (first
 * contender's figure, this contender's figure) measured back to back; {@code d_b = ln(this / first)};
 * the interval is {@code exp(mean(d) +- t(0.975, n-1) * sd(d) / sqrt(n))} over the {@code n} blocks. The
 * ratio reported is {@code exp(mean(d))}, the geometric mean of the per-block ratios.
 *
 * <p>Immutable and thread-safe.
 *
 * @param scenario the load pattern of every block
 * @param labels the contenders' names, the baseline first
 * @param warmUps each contender's warm-up, in label order
 * @param blocks each contender's block results, in label order, each in block order
 * @param ratios every contender after the first against the first, per metric
 */
public record ComparisonResult(Scenario scenario, List<String> labels, List<WarmUp> warmUps,
        List<List<ScenarioResult>> blocks, List<Ratio> ratios) {

    /** The confidence level of every interval. */
    public static final double CONFIDENCE = 0.95;
    /** How the intervals are computed, for reports. */
    public static final String METHOD = "paired t-interval on log ratios of interleaved blocks (95%)";

    /** Copies the lists; requires one warm-up and at least two blocks per label. */
    public ComparisonResult {
        Objects.requireNonNull(scenario, "scenario");
        labels = List.copyOf(labels);
        warmUps = List.copyOf(warmUps);
        List<List<ScenarioResult>> copied = blocks.stream().map(List::copyOf).toList();
        blocks = copied;
        ratios = List.copyOf(ratios);
        if (labels.size() < 2 || warmUps.size() != labels.size() || copied.size() != labels.size()
                || copied.stream().anyMatch(list -> list.size() < 2 || list.size() != copied.get(0).size())) {
            throw new IllegalArgumentException("ComparisonResult: " + labels.size() + " labels, " + warmUps.size()
                    + " warm-ups, " + blocks.size() + " block lists; expected >= 2 labels, one warm-up and one"
                    + " list of >= 2 equally many blocks per label");
        }
    }

    /**
     * One ratio against the baseline.
     *
     * @param contender the contender's label
     * @param metric what was compared, e.g. {@code "p50 latency"}
     * @param ratio geometric mean over the blocks of contender / baseline
     * @param low lower end of the 95% interval
     * @param high upper end of the 95% interval
     * @param lowerIsBetter true for latencies, false for throughput
     */
    public record Ratio(String contender, String metric, double ratio, double low, double high,
            boolean lowerIsBetter) {

        /** Requires {@code 0 < low <= ratio <= high}. */
        public Ratio {
            Objects.requireNonNull(contender, "contender");
            Objects.requireNonNull(metric, "metric");
            if (!(low > 0 && low <= ratio * (1 + 1e-12) && ratio <= high * (1 + 1e-12))) {
                throw new IllegalArgumentException("Ratio of " + metric + " for " + contender + ": " + ratio
                        + " in [" + low + ", " + high + "]; expected 0 < low <= ratio <= high");
            }
        }

        /** True when the interval excludes 1: the difference is beyond the measured noise. */
        public boolean significant() {
            return low > 1 || high < 1;
        }

        /** True when the contender is significantly better than the baseline on this metric. */
        public boolean better() {
            return significant() && (lowerIsBetter ? high < 1 : low > 1);
        }

        /** E.g. {@code "1.93x slower"}, {@code "2.07x faster"} or {@code "no significant difference"}. */
        public String verdict() {
            if (!significant()) {
                return "no significant difference";
            }
            double factor = ratio >= 1 ? ratio : 1 / ratio;
            String direction = better() ? (lowerIsBetter ? "faster" : "higher") : (lowerIsBetter ? "slower" : "lower");
            return String.format(Locale.ROOT, "%.2fx %s", factor, direction);
        }
    }

    /** Computes the ratios of {@code blocks} against the first label's. */
    static ComparisonResult of(Scenario scenario, List<String> labels, List<WarmUp> warmUps,
            List<List<ScenarioResult>> blocks) {
        List<Ratio> ratios = new ArrayList<>();
        for (int contender = 1; contender < labels.size(); contender++) {
            String label = labels.get(contender);
            List<ScenarioResult> base = blocks.get(0);
            List<ScenarioResult> other = blocks.get(contender);
            ratios.add(ratio(label, "p50 latency", base, other, result -> result.latency().p50Nanos(), true));
            if (scenario.percentile() != 50) {
                ratios.add(ratio(label, metricName(scenario), base, other, ScenarioResult::metricLatencyNanos, true));
            }
            ratios.add(ratio(label, "throughput", base, other, ScenarioResult::samplesPerSecond, false));
        }
        return new ComparisonResult(scenario, labels, warmUps, blocks, ratios);
    }

    /** The scenario's metric latency, e.g. {@code "p90 latency"}. */
    static String metricName(Scenario scenario) {
        double percentile = scenario.percentile();
        String number = percentile == Math.rint(percentile) ? Long.toString((long) percentile) : Double.toString(percentile);
        return "p" + number + " latency";
    }

    private static Ratio ratio(String label, String metric, List<ScenarioResult> base, List<ScenarioResult> other,
            ToDoubleFunction<ScenarioResult> figure, boolean lowerIsBetter) {
        int n = base.size();
        double[] logs = new double[n];
        for (int block = 0; block < n; block++) {
            logs[block] = Math.log(Math.max(1e-9, figure.applyAsDouble(other.get(block)))
                    / Math.max(1e-9, figure.applyAsDouble(base.get(block))));
        }
        double mean = Arrays.stream(logs).average().orElseThrow();
        double variance = Arrays.stream(logs).map(d -> (d - mean) * (d - mean)).sum() / (n - 1);
        double half = tQuantile975(n - 1) * Math.sqrt(variance / n);
        return new Ratio(label, metric, Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), lowerIsBetter);
    }

    /** Two-sided 95% critical values of Student's t for 1 to 30 degrees of freedom. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    /**
     * The 0.975 quantile of Student's t with {@code degrees} degrees of freedom: a table up to 30, then
     * the Cornish-Fisher expansion around the normal quantile (error below 0.001 there).
     */
    static double tQuantile975(int degrees) {
        if (degrees < 1) {
            throw new IllegalArgumentException("Degrees of freedom is " + degrees + "; expected >= 1");
        }
        if (degrees <= T975.length) {
            return T975[degrees - 1];
        }
        double z = 1.959964;
        double n = degrees;
        return z + (z * z * z + z) / (4 * n) + (5 * Math.pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
    }

    /** The ratios of one contender, in metric order. */
    public List<Ratio> ratiosOf(String contender) {
        return ratios.stream().filter(ratio -> ratio.contender().equals(contender)).toList();
    }

    /**
     * What a contender adds to the baseline's p50 latency, paired by block.
     *
     * @param contender the contender's label
     * @param meanNanos mean over the blocks of (contender's p50 - baseline's p50)
     * @param lowNanos lower end of the 95% t-interval of that mean
     * @param highNanos upper end
     * @param medianNanos median of the per-block differences
     */
    public record Difference(String contender, double meanNanos, double lowNanos, double highNanos,
            double medianNanos) {
    }

    /**
     * The p50 latency a contender adds to the baseline (contender 0), from the interleaved blocks as
     * pairs: for "what does the network layer add to an in-process call", where a ratio would mix the
     * model's cost into the figure.
     *
     * @param contender index of a contender other than the baseline
     */
    public Difference p50Added(int contender) {
        if (contender < 1 || contender >= labels.size()) {
            throw new IllegalArgumentException("Contender index is " + contender + "; expected 1.." + (labels.size() - 1));
        }
        List<ScenarioResult> base = blocks.get(0);
        List<ScenarioResult> other = blocks.get(contender);
        int n = base.size();
        double[] differences = new double[n];
        for (int block = 0; block < n; block++) {
            differences[block] = other.get(block).latency().p50Nanos() - base.get(block).latency().p50Nanos();
        }
        double mean = Arrays.stream(differences).average().orElseThrow();
        double variance = Arrays.stream(differences).map(d -> (d - mean) * (d - mean)).sum() / (n - 1);
        double half = tQuantile975(n - 1) * Math.sqrt(variance / n);
        double[] sorted = differences.clone();
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Difference(labels.get(contender), mean, mean - half, mean + half, median);
    }

    /** Median over the blocks of one contender's p50 latency, in nanoseconds. */
    public double medianP50Nanos(int contender) {
        return median(blocks.get(contender), result -> result.latency().p50Nanos());
    }

    /** Median over the blocks of one contender's samples per second. */
    public double medianSamplesPerSecond(int contender) {
        return median(blocks.get(contender), ScenarioResult::samplesPerSecond);
    }

    private static double median(List<ScenarioResult> results, ToDoubleFunction<ScenarioResult> figure) {
        double[] sorted = results.stream().mapToDouble(figure).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** A text table: each contender's medians over the blocks, then every ratio with its interval and verdict. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Comparison, %s, %d interleaved blocks per contender%n",
                scenario.displayName(), blocks.get(0).size()));
        for (int contender = 0; contender < labels.size(); contender++) {
            out.append(String.format(Locale.ROOT, "  %-32s p50 %10.3f ms   %10.1f samples/s%s%n", labels.get(contender),
                    medianP50Nanos(contender) / 1e6, medianSamplesPerSecond(contender),
                    contender == 0 ? "   (baseline)" : ""));
        }
        for (Ratio ratio : ratios) {
            out.append(String.format(Locale.ROOT, "  %-32s %-14s x%.3f  [%.3f, %.3f]  %s%n", ratio.contender(),
                    ratio.metric(), ratio.ratio(), ratio.low(), ratio.high(), ratio.verdict()));
        }
        out.append("  Ratios: contender / baseline; interval: ").append(METHOD).append(System.lineSeparator());
        return out.toString();
    }
}
