package dev.outpost.benchmark;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The spread of one metric over repeated runs: median and coefficient of variation (sample standard
 * deviation over mean). A spread above {@link #DEFAULT_CV_THRESHOLD} is too wide to trust a difference
 * of that size between two runs.
 *
 * <p>Immutable and thread-safe.
 *
 * @param metric what was repeated, e.g. {@code "p90 latency (ns)"}
 * @param values one value per run, in run order
 * @param median the median of the values
 * @param cv coefficient of variation; NaN for fewer than 2 runs
 * @param threshold the CV above which {@link #tooNoisy()} is true
 */
public record Noise(String metric, List<Double> values, double median, double cv, double threshold) {

    /** 5%: MLPerf's and this repository's (REFERENCE-INFERENCE.md §1.4) usual run-to-run spread. */
    public static final double DEFAULT_CV_THRESHOLD = 0.05;

    /** Copies the values; requires at least one. */
    public Noise {
        Objects.requireNonNull(metric, "metric");
        values = List.copyOf(values);
        if (values.isEmpty()) {
            throw new IllegalArgumentException("Noise of " + metric + ": no values; expected at least one run");
        }
    }

    /** The median and CV of {@code values}. */
    public static Noise of(String metric, List<Double> values, double threshold) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        if (n == 0) {
            throw new IllegalArgumentException("Noise of " + metric + ": no values; expected at least one run");
        }
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double cv = Double.NaN;
        if (n >= 2) {
            double mean = Arrays.stream(sorted).average().orElseThrow();
            double variance = Arrays.stream(sorted).map(v -> (v - mean) * (v - mean)).sum() / (n - 1);
            cv = mean == 0 ? 0 : Math.sqrt(variance) / Math.abs(mean);
        }
        return new Noise(metric, values, median, cv, threshold);
    }

    /** True when the CV is above the threshold. */
    public boolean tooNoisy() {
        return cv > threshold;
    }

    /** The warning to show when {@link #tooNoisy()}, else empty. */
    public String warning() {
        if (!tooNoisy()) {
            return "";
        }
        return String.format(java.util.Locale.ROOT, "%s varies %.1f%% between runs (above %.0f%%): differences"
                + " smaller than that are noise; pin the process (taskset -c 0), use one thread, turn spinning"
                + " off, or repeat more", metric, cv * 100, threshold * 100);
    }

    /** The index of the run whose value is nearest the median (the representative run). */
    int representativeIndex() {
        int best = 0;
        for (int i = 1; i < values.size(); i++) {
            if (Math.abs(values.get(i) - median) < Math.abs(values.get(best) - median)) {
                best = i;
            }
        }
        return best;
    }
}
