package dev.outpost.benchmark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code outpost bench --sweep} measured: one {@link Point} per combination of model x threads x
 * batch x provider, in that nesting order (models outermost), each measured by its own
 * {@link ModelBenchmark} run or skipped with a reason (a batch above 1 on a model whose first dimension
 * is fixed). Rendered as a terminal table by {@link #render()}, as the {@code sweep} section of the JSON
 * by {@link BenchJson}, and as plots by {@link HtmlReport#renderSweep}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param scenario the scenario every point ran
 * @param threads the thread counts swept (0: ONNX Runtime's default)
 * @param batches the batches swept (samples per model run)
 * @param providers the providers swept, as named on the command line
 * @param points every combination, in sweep order
 * @param accuracy the eval results attached ({@link EvalAccuracy#none()} when none)
 */
public record SweepResult(Scenario scenario, List<Integer> threads, List<Integer> batches, List<String> providers,
        List<SweepResult.Point> points, EvalAccuracy accuracy) {

    /**
     * One combination.
     *
     * @param model the model file as given
     * @param threads intra-op threads (0: ONNX Runtime's default)
     * @param batch samples per model run
     * @param provider the execution provider, as named
     * @param report the benchmark of this combination; empty when skipped
     * @param skipped why the combination was not run; empty when measured
     */
    public record Point(String model, int threads, int batch, String provider, Optional<BenchReport> report,
            Optional<String> skipped) {

        /** Requires exactly one of a report and a skip reason. */
        public Point {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(report, "report");
            Objects.requireNonNull(skipped, "skipped");
            if (report.isPresent() == skipped.isPresent()) {
                throw new IllegalArgumentException("SweepResult.Point " + model + ": expected either a report or a"
                        + " skip reason, not " + (report.isPresent() ? "both" : "neither"));
            }
        }

        /** A measured combination. */
        public static Point measured(String model, int threads, int batch, String provider, BenchReport report) {
            return new Point(model, threads, batch, provider, Optional.of(report), Optional.empty());
        }

        /** A combination that was not run, and why. */
        public static Point skipped(String model, int threads, int batch, String provider, String reason) {
            return new Point(model, threads, batch, provider, Optional.empty(), Optional.of(reason));
        }

        /** The model's file name. */
        public String modelName() {
            return Units.fileName(model);
        }

        /** A short label of the setting: {@code t2 b4} (threads, batch; {@code t-} for ORT's default). */
        public String label() {
            return "t" + (threads == 0 ? "-" : Integer.toString(threads)) + " b" + batch;
        }

        /** The latency of the representative run; empty when skipped. */
        public Optional<LatencyStats> latency() {
            return report.map(r -> r.representative().result().latency());
        }
    }

    /** Copies the lists; requires at least one point. */
    public SweepResult {
        Objects.requireNonNull(scenario, "scenario");
        threads = List.copyOf(threads);
        batches = List.copyOf(batches);
        providers = List.copyOf(providers);
        points = List.copyOf(points);
        Objects.requireNonNull(accuracy, "accuracy");
        if (points.isEmpty()) {
            throw new IllegalArgumentException("SweepResult: no points; expected at least one");
        }
    }

    /** The reports of the measured points, in sweep order. */
    public List<BenchReport> reports() {
        return points.stream().flatMap(point -> point.report().stream()).toList();
    }

    /** The measured points, grouped by model file (in sweep order). */
    public Map<String, List<Point>> measuredByModel() {
        Map<String, List<Point>> byModel = new LinkedHashMap<>();
        points.stream().filter(point -> point.report().isPresent())
                .forEach(point -> byModel.computeIfAbsent(point.model(), m -> new ArrayList<>()).add(point));
        return byModel;
    }

    /**
     * Per model with an attached accuracy and at least one measured point: its fastest point (lowest p50),
     * which the accuracy-against-latency plot uses (accuracy does not depend on threads or batch).
     */
    public Map<String, Point> fastestWithAccuracy() {
        Map<String, Point> fastest = new LinkedHashMap<>();
        measuredByModel().forEach((model, list) -> {
            if (accuracy.forModel(model).isPresent()) {
                fastest.put(model, list.stream().min(Comparator.comparingLong(p -> p.latency().get().p50Nanos()))
                        .get());
            }
        });
        return fastest;
    }

    /** The table: one row per point; skipped points show the reason in the last column. */
    public String render() {
        boolean withAccuracy = accuracy.attached();
        List<List<String>> table = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("model", "threads", "batch", "provider", "p50", "p90", "p99",
                "samples/s", "GMAC/s"));
        if (withAccuracy) {
            header.add("accuracy");
        }
        header.add("note");
        table.add(header);
        for (Point point : points) {
            List<String> row = new ArrayList<>(List.of(point.modelName(),
                    point.threads() == 0 ? "default" : Integer.toString(point.threads()), Integer.toString(point.batch()),
                    point.provider()));
            if (point.report().isPresent()) {
                BenchReport report = point.report().get();
                LatencyStats latency = point.latency().get();
                row.add(Units.nanos(latency.p50Nanos()));
                row.add(Units.nanos(latency.p90Nanos()));
                row.add(Units.nanos(latency.p99Nanos()));
                row.add(String.format(Locale.ROOT, "%.1f", report.samplesPerSecond()));
                row.add(Double.isNaN(report.gmacsPerSecond()) ? "n/a"
                        : String.format(Locale.ROOT, "%.2f", report.gmacsPerSecond()));
            } else {
                row.addAll(List.of("-", "-", "-", "-", "-"));
            }
            if (withAccuracy) {
                row.add(accuracy.forModel(point.model()).map(SweepResult::accuracyText).orElse("n/a"));
            }
            row.add(note(point));
            table.add(row);
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "Sweep: %s, %d point(s)%s%n",
                scenario.displayName(), points.size(), scenario == Scenario.OFFLINE
                        ? " (batch = samples per model run)" : ""));
        // Model, provider and note columns read left to right; the figures line up on the right.
        int last = table.get(0).size() - 1;
        out.append(Units.table(table, column -> column == 0 || column == 3 || column == last));
        long skipped = points.stream().filter(point -> point.skipped().isPresent()).count();
        if (skipped > 0) {
            out.append(skipped).append(" of ").append(points.size()).append(" point(s) skipped\n");
        }
        return out.toString();
    }

    /** {@code skipped: REASON}, {@code noisy: WARNING} or empty. */
    static String note(Point point) {
        if (point.skipped().isPresent()) {
            return "skipped: " + point.skipped().get();
        }
        Noise noise = point.report().get().noise();
        return noise.tooNoisy() ? "noisy: " + noise.warning() : "";
    }

    static String accuracyText(EvalAccuracy.Accuracy accuracy) {
        return String.format(Locale.ROOT, "%s %.2f%%", accuracy.metric(), accuracy.value() * 100);
    }
}
