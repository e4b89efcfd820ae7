package dev.outpost.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A self-contained HTML report: inline CSS and inline SVG, no script, no external resource, so it opens
 * offline. The markup is XHTML-compatible (well-formed XML, lower-case elements, every element closed),
 * so XML tools can read it too. Sections: the environment, the results table, a latency distribution
 * plot (latency against percentile on a "nines" axis), and, for a comparison or several models, a
 * latency-against-throughput scatter and the comparison's ratios.
 *
 * <p>Stateless and thread-safe.
 */
public final class HtmlReport {

    /** Series colours, reused in order. */
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};
    private static final int WIDTH = 640;
    private static final int HEIGHT = 320;
    private static final int MARGIN = 56;

    private HtmlReport() {
    }

    /** One latency curve or scatter point: a label, a distribution and a throughput. */
    private record Series(String label, LatencyStats latency, double samplesPerSecond) {
    }

    /**
     * The page for {@code reports} (one per model; may be empty when a comparison is given) and an optional
     * interleaved {@code comparison}, on the machine {@code environment}.
     *
     * @throws IllegalArgumentException when there are neither reports nor a comparison
     */
    public static String render(List<BenchReport> reports, Optional<ComparisonResult> comparison,
            Environment environment) {
        Objects.requireNonNull(environment, "environment");
        if (reports.isEmpty() && comparison.isEmpty()) {
            throw new IllegalArgumentException("HtmlReport: no reports and no comparison; expected at least one");
        }
        List<Series> series = new ArrayList<>();
        reports.forEach(report -> series.add(new Series(Units.fileName(report.model()),
                report.representative().result().latency(), report.samplesPerSecond())));
        comparison.ifPresent(result -> {
            for (int contender = 0; contender < result.labels().size(); contender++) {
                ScenarioResult block = medianBlock(result.blocks().get(contender));
                series.add(new Series(result.labels().get(contender), block.latency(), block.samplesPerSecond()));
            }
        });
        StringBuilder page = head();
        environment(page, environment);
        if (!reports.isEmpty()) {
            results(page, reports);
        }
        comparison.ifPresent(result -> comparisonTable(page, result));
        page.append("<h2>Latency distribution</h2>\n<p>Latency (log scale) at each reported percentile; the")
                .append(" percentile axis spreads the tail (50, 90, 99, 99.9 are evenly spaced).").append(comparison.isPresent()
                        ? " Comparison: each contender's block of median p50." : "").append("</p>\n");
        percentileCurves(page, series);
        if (series.size() >= 2) {
            page.append("<h2>Latency against throughput</h2>\n<p>p50 latency against samples per second;")
                    .append(" lower right is better.</p>\n");
            scatter(page, series);
        }
        return page.append("</body>\n</html>\n").toString();
    }

    /**
     * The page of a sweep: the environment (of the first measured point), the sweep table, p50 latency
     * against throughput with one series (colour) per model and one circle per measured point labelled
     * {@code tTHREADS bBATCH} (and the provider when several are swept), and, when eval results are attached, accuracy against p50 latency with one
     * circle per model that has an accuracy (at its fastest point).
     *
     * @throws IllegalArgumentException when no point was measured
     */
    public static String renderSweep(SweepResult sweep) {
        List<BenchReport> reports = sweep.reports();
        if (reports.isEmpty()) {
            throw new IllegalArgumentException("HtmlReport: the sweep measured no point; expected at least one");
        }
        StringBuilder page = head();
        environment(page, reports.get(0).environment());
        sweepTable(page, sweep);
        page.append("<h2>Latency against throughput</h2>\n<p>p50 latency against samples per second, one colour")
                .append(" per model, each point labelled with its threads (t) and batch (b); lower right is better.")
                .append("</p>\n");
        sweepScatter(page, sweep);
        Map<String, SweepResult.Point> fastest = sweep.fastestWithAccuracy();
        if (!fastest.isEmpty()) {
            page.append("<h2>Accuracy against latency</h2>\n<p>Accuracy from the attached eval results against the")
                    .append(" p50 latency of each model's fastest point; upper left is better.</p>\n");
            accuracyScatter(page, sweep, fastest);
        }
        return page.append("</body>\n</html>\n").toString();
    }

    private static StringBuilder head() {
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>Outpost benchmark report</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1000px}\n")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;")
                .append("text-align:right}th{background:#f3f3f3}td.text,th.text{text-align:left}\n")
                .append("svg{background:#fff;border:1px solid #ddd}.warn{color:#b00}.axis{stroke:#444}")
                .append(".grid{stroke:#eee}text{font-size:11px}\n</style>\n</head>\n<body>\n")
                .append("<h1>Outpost benchmark report</h1>\n");
        return page;
    }

    private static void sweepTable(StringBuilder page, SweepResult sweep) {
        boolean withAccuracy = sweep.accuracy().attached();
        page.append("<h2>Sweep</h2>\n<p>").append(escape(sweep.scenario().displayName() + ", "
                + sweep.points().size() + " point(s): models x threads " + sweep.threads() + " x batch "
                + sweep.batches() + " x providers " + sweep.providers())).append(".</p>\n")
                .append("<table class=\"sweep\">\n<tr><th class=\"text\">model</th><th>threads</th><th>batch</th>")
                .append("<th class=\"text\">provider</th><th>p50</th><th>p90</th><th>p99</th><th>samples/s</th>")
                .append("<th>GMAC/s</th>").append(withAccuracy ? "<th>accuracy</th>" : "")
                .append("<th class=\"text\">note</th></tr>\n");
        for (SweepResult.Point point : sweep.points()) {
            page.append("<tr><td class=\"text\">").append(escape(point.modelName())).append("</td>");
            cell(page, point.threads() == 0 ? "default" : Integer.toString(point.threads()));
            cell(page, Integer.toString(point.batch()));
            page.append("<td class=\"text\">").append(escape(point.provider())).append("</td>");
            if (point.report().isPresent()) {
                LatencyStats latency = point.latency().get();
                cell(page, Units.nanos(latency.p50Nanos()));
                cell(page, Units.nanos(latency.p90Nanos()));
                cell(page, Units.nanos(latency.p99Nanos()));
                cell(page, String.format(Locale.ROOT, "%.1f", point.report().get().samplesPerSecond()));
                double gmacs = point.report().get().gmacsPerSecond();
                cell(page, Double.isNaN(gmacs) ? "n/a" : String.format(Locale.ROOT, "%.2f", gmacs));
            } else {
                for (int i = 0; i < 5; i++) {
                    cell(page, "-");
                }
            }
            if (withAccuracy) {
                cell(page, sweep.accuracy().forModel(point.model()).map(SweepResult::accuracyText).orElse("n/a"));
            }
            page.append("<td class=\"text\">").append(escape(SweepResult.note(point))).append("</td></tr>\n");
        }
        page.append("</table>\n");
    }

    private static void sweepScatter(StringBuilder page, SweepResult sweep) {
        Map<String, List<SweepResult.Point>> byModel = sweep.measuredByModel();
        List<SweepResult.Point> all = byModel.values().stream().flatMap(List::stream).toList();
        double topLatency = positive(all.stream().mapToDouble(p -> p.latency().get().p50Nanos()).max().orElse(1) / 1e6 * 1.2);
        double topRate = positive(all.stream().mapToDouble(p -> p.report().get().samplesPerSecond()).max().orElse(1) * 1.2);
        svgOpen(page, "sweep-scatter", "p50 latency against throughput, per model");
        axes(page, String.format(Locale.ROOT, "samples/s (0 to %.1f)", topRate), "p50 latency (ms)", topLatency);
        int index = 0;
        List<String> labels = new ArrayList<>();
        for (Map.Entry<String, List<SweepResult.Point>> model : byModel.entrySet()) {
            labels.add(model.getValue().get(0).modelName());
            for (SweepResult.Point point : model.getValue()) {
                double rate = point.report().get().samplesPerSecond();
                long p50 = point.latency().get().p50Nanos();
                double x = MARGIN + rate / topRate * (WIDTH - 2 * MARGIN);
                double y = y(p50 / 1e6, topLatency);
                page.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\""
                        + " fill=\"%s\"><title>%s %s %s: %.1f samples/s, p50 %s</title></circle>"
                        + "<text class=\"point-label\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x, y, colour(index),
                        escape(point.modelName()), escape(point.label()), escape(point.provider()), rate,
                        escape(Units.nanos(p50)), x + 7, y - 6, escape(point.label()
                                + (sweep.providers().size() > 1 ? " " + point.provider() : ""))));
            }
            index++;
        }
        legendLabels(page, labels);
        page.append("</svg>\n");
    }

    private static void accuracyScatter(StringBuilder page, SweepResult sweep, Map<String, SweepResult.Point> fastest) {
        double topLatency = positive(fastest.values().stream().mapToDouble(p -> p.latency().get().p50Nanos()).max()
                .orElse(1) / 1e6 * 1.2);
        List<String> metrics = fastest.keySet().stream().map(model -> sweep.accuracy().forModel(model).get().metric())
                .distinct().toList();
        svgOpen(page, "accuracy-scatter", "accuracy against p50 latency, per model");
        axes(page, String.format(Locale.ROOT, "p50 latency (ms, 0 to %.3g)", topLatency),
                "accuracy (%, " + String.join(", ", metrics) + ")", 100);
        int index = 0;
        List<String> labels = new ArrayList<>();
        for (Map.Entry<String, SweepResult.Point> entry : fastest.entrySet()) {
            SweepResult.Point point = entry.getValue();
            EvalAccuracy.Accuracy accuracy = sweep.accuracy().forModel(entry.getKey()).get();
            long p50 = point.latency().get().p50Nanos();
            double x = MARGIN + p50 / 1e6 / topLatency * (WIDTH - 2 * MARGIN);
            double y = y(Math.max(0, Math.min(1, accuracy.value())) * 100, 100);
            labels.add(point.modelName());
            page.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\""
                    + " fill=\"%s\"><title>%s (%s): %s, p50 %s</title></circle>\n", x, y, colour(index),
                    escape(point.modelName()), escape(point.label()), escape(SweepResult.accuracyText(accuracy)),
                    escape(Units.nanos(p50))));
            index++;
        }
        legendLabels(page, labels);
        page.append("</svg>\n");
    }

    private static double positive(double value) {
        return value > 0 ? value : 1;
    }

    private static void environment(StringBuilder page, Environment environment) {
        page.append("<h2>Environment</h2>\n<table class=\"environment\">\n");
        row(page, "CPU", environment.cpuModel());
        row(page, "CPU flags", String.join(" ", environment.cpuFlags()));
        row(page, "cores", Integer.toString(environment.cores()));
        row(page, "memory", Units.bytes(environment.memoryBytes()));
        row(page, "OS / kernel", environment.os() + " / " + environment.kernel());
        row(page, "JVM", environment.jvm());
        row(page, "ONNX Runtime", environment.ortVersion());
        row(page, "providers", String.join(", ", environment.providers()));
        row(page, "threads", environment.threads() == 0 ? "ONNX Runtime default" : Integer.toString(environment.threads()));
        row(page, "spinning", environment.spinning() ? "on" : "off");
        row(page, "CPUs allowed", environment.pinning());
        row(page, "governor", environment.governor());
        row(page, "command", environment.commandLine());
        page.append("</table>\n");
    }

    private static void row(StringBuilder page, String name, String value) {
        page.append("<tr><th class=\"text\">").append(escape(name)).append("</th><td class=\"text\">")
                .append(escape(value)).append("</td></tr>\n");
    }

    private static void results(StringBuilder page, List<BenchReport> reports) {
        page.append("<h2>Results</h2>\n<table class=\"results\">\n<tr><th class=\"text\">model</th>")
                .append("<th class=\"text\">scenario</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th>")
                .append("<th>samples/s</th><th>warm load</th><th>peak RSS</th><th>size</th><th>runs</th>")
                .append("<th>CV</th></tr>\n");
        for (BenchReport report : reports) {
            LatencyStats latency = report.representative().result().latency();
            page.append("<tr><td class=\"text\">").append(escape(Units.fileName(report.model()))).append("</td><td class=\"text\">")
                    .append(escape(report.settings().scenario().displayName())).append("</td>");
            for (long nanos : new long[] {latency.p50Nanos(), latency.p90Nanos(), latency.p99Nanos(), latency.p999Nanos()}) {
                cell(page, Units.nanos(nanos));
            }
            cell(page, String.format(Locale.ROOT, "%.1f", report.samplesPerSecond()));
            cell(page, Units.nanos(report.warmLoadNanos()));
            cell(page, Units.bytes(report.memory().peakRssBytes()));
            cell(page, Units.bytes(report.modelSizeBytes()));
            cell(page, Integer.toString(report.runs().size()));
            double cv = report.noise().cv();
            cell(page, Double.isNaN(cv) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", cv * 100));
            page.append("</tr>\n");
        }
        page.append("</table>\n");
        for (BenchReport report : reports) {
            if (report.noise().tooNoisy()) {
                page.append("<p class=\"warn\">").append(escape(Units.fileName(report.model()) + ": " + report.noise().warning()))
                        .append("</p>\n");
            }
        }
    }

    private static void cell(StringBuilder page, String text) {
        page.append("<td>").append(escape(text)).append("</td>");
    }

    private static void comparisonTable(StringBuilder page, ComparisonResult result) {
        page.append("<h2>Comparison</h2>\n<p>").append(escape(result.scenario().displayName() + ", "
                + result.blocks().get(0).size() + " interleaved blocks per contender; baseline "
                + result.labels().get(0) + "; " + ComparisonResult.METHOD)).append(".</p>\n")
                .append("<table class=\"comparison\">\n<tr><th class=\"text\">contender</th><th class=\"text\">metric</th>")
                .append("<th>ratio</th><th>95% interval</th><th class=\"text\">verdict</th></tr>\n");
        for (ComparisonResult.Ratio ratio : result.ratios()) {
            page.append("<tr><td class=\"text\">").append(escape(ratio.contender())).append("</td><td class=\"text\">")
                    .append(escape(ratio.metric())).append("</td>");
            cell(page, String.format(Locale.ROOT, "%.3f", ratio.ratio()));
            cell(page, String.format(Locale.ROOT, "[%.3f, %.3f]", ratio.low(), ratio.high()));
            page.append("<td class=\"text\">").append(escape(ratio.verdict())).append("</td></tr>\n");
        }
        page.append("</table>\n");
    }

    /** Percentiles plotted, and where: x = log10(1 / (1 - p)), min at 0 and max one decade past p99.9. */
    private static final double[] PERCENTILES = {0, 50, 90, 95, 99, 99.9, 99.99};
    private static final String[] PERCENTILE_LABELS = {"min", "50", "90", "95", "99", "99.9", "max"};

    private static void percentileCurves(StringBuilder page, List<Series> series) {
        // Log latency axis: a tail 100x the median stays on the page without flattening the body.
        double bottom = series.stream().mapToDouble(s -> s.latency().minNanos()).min().orElse(1) / 1e6 / 1.2;
        double top = series.stream().mapToDouble(s -> s.latency().maxNanos()).max().orElse(1) / 1e6 * 1.2;
        bottom = bottom > 0 ? bottom : 1e-3;
        top = top > bottom ? top : bottom * 10;
        double right = nines(99.99);
        svgOpen(page, "percentiles", "latency (ms, log scale) by percentile");
        for (int i = 0; i < PERCENTILES.length; i++) {
            double x = x(nines(PERCENTILES[i]), right);
            page.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
                    x, MARGIN / 2, x, HEIGHT - MARGIN)).append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, HEIGHT - MARGIN + 16,
                    PERCENTILE_LABELS[i]));
        }
        frame(page, "percentile", "latency (ms, log scale)");
        for (double tick : logTicks(bottom, top)) {
            page.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>",
                    MARGIN - 4, logY(tick, bottom, top) + 4, tick));
        }
        for (int index = 0; index < series.size(); index++) {
            LatencyStats latency = series.get(index).latency();
            long[] values = {latency.minNanos(), latency.p50Nanos(), latency.p90Nanos(), latency.p95Nanos(),
                latency.p99Nanos(), latency.p999Nanos(), latency.maxNanos()};
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < values.length; i++) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(nines(PERCENTILES[i]), right),
                        logY(Math.max(values[i] / 1e6, bottom), bottom, top)));
            }
            page.append("<polyline class=\"curve\" fill=\"none\" stroke-width=\"2\" stroke=\"").append(colour(index))
                    .append("\" points=\"").append(points.toString().trim()).append("\"/>\n");
        }
        legend(page, series);
        page.append("</svg>\n");
    }

    /** Ticks at 1, 2 and 5 times the powers of ten inside [bottom, top]. */
    private static List<Double> logTicks(double bottom, double top) {
        List<Double> ticks = new ArrayList<>();
        for (int exponent = (int) Math.floor(Math.log10(bottom)); exponent <= (int) Math.ceil(Math.log10(top)); exponent++) {
            for (int mantissa : new int[] {1, 2, 5}) {
                double tick = mantissa * Math.pow(10, exponent);
                if (tick >= bottom && tick <= top) {
                    ticks.add(tick);
                }
            }
        }
        return ticks;
    }

    private static double logY(double value, double bottom, double top) {
        return HEIGHT - MARGIN - Math.log(value / bottom) / Math.log(top / bottom) * (HEIGHT - MARGIN * 1.5);
    }

    private static void scatter(StringBuilder page, List<Series> series) {
        double topLatency = series.stream().mapToDouble(s -> s.latency().p50Nanos()).max().orElse(1) / 1e6 * 1.2;
        double topRate = series.stream().mapToDouble(Series::samplesPerSecond).max().orElse(1) * 1.2;
        topLatency = topLatency <= 0 ? 1 : topLatency;
        topRate = topRate <= 0 ? 1 : topRate;
        svgOpen(page, "scatter", "p50 latency against throughput");
        axes(page, String.format(Locale.ROOT, "samples/s (0 to %.1f)", topRate), "p50 latency (ms)", topLatency);
        for (int index = 0; index < series.size(); index++) {
            Series point = series.get(index);
            double x = MARGIN + point.samplesPerSecond() / topRate * (WIDTH - 2 * MARGIN);
            double y = y(point.latency().p50Nanos() / 1e6, topLatency);
            page.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\">"
                    + "<title>%s: %.1f samples/s, p50 %s</title></circle>\n", x, y, colour(index),
                    escape(point.label()), point.samplesPerSecond(), escape(Units.nanos(point.latency().p50Nanos()))));
        }
        legend(page, series);
        page.append("</svg>\n");
    }

    private static void svgOpen(StringBuilder page, String cssClass, String title) {
        page.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" width=\"%d\""
                + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>%s</title>\n", cssClass, WIDTH, HEIGHT,
                WIDTH, HEIGHT, escape(title)));
    }

    private static void axes(StringBuilder page, String xTitle, String yTitle, double top) {
        frame(page, xTitle, yTitle);
        for (int tick = 0; tick <= 4; tick++) {
            double value = top * tick / 4;
            page.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>",
                    MARGIN - 4, y(value, top) + 4, value));
        }
    }

    /** The two axis lines and their titles. */
    private static void frame(StringBuilder page, String xTitle, String yTitle) {
        page.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", MARGIN, HEIGHT - MARGIN,
                WIDTH - MARGIN, HEIGHT - MARGIN, MARGIN, MARGIN / 2, MARGIN, HEIGHT - MARGIN));
        page.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>"
                + "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>\n",
                WIDTH / 2, HEIGHT - 12, escape(xTitle), HEIGHT / 2, HEIGHT / 2, escape(yTitle)));
    }

    private static void legend(StringBuilder page, List<Series> series) {
        legendLabels(page, series.stream().map(Series::label).toList());
    }

    private static void legendLabels(StringBuilder page, List<String> labels) {
        for (int index = 0; index < labels.size(); index++) {
            int y = MARGIN / 2 + 14 * index;
            page.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text class=\"legend\" x=\"%d\" y=\"%d\">%s</text>\n", MARGIN + 10, y, colour(index),
                    MARGIN + 24, y + 9, escape(labels.get(index))));
        }
    }

    private static double nines(double percentile) {
        return Math.log10(100 / (100 - percentile));
    }

    private static double x(double nines, double right) {
        return MARGIN + nines / right * (WIDTH - 2 * MARGIN);
    }

    private static double y(double value, double top) {
        return HEIGHT - MARGIN - value / top * (HEIGHT - MARGIN * 1.5);
    }

    private static String colour(int index) {
        return COLOURS[index % COLOURS.length];
    }

    private static ScenarioResult medianBlock(List<ScenarioResult> blocks) {
        List<ScenarioResult> sorted = new ArrayList<>(blocks);
        sorted.sort(java.util.Comparator.comparingLong(block -> block.latency().p50Nanos()));
        return sorted.get(sorted.size() / 2);
    }

    /** Escapes the five XML special characters. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return out.toString();
    }
}
