package dev.outpost.optimizer.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Evaluation results as a self-contained HTML page: inline CSS and inline SVG, no script and no
 * external resource, so it opens offline. The markup is well-formed XML (XHTML-compatible). Sections:
 * the data, the results table, per-output fidelity (with a reference), and, for two or more models, a
 * plot of the quality metric (top-1, mAP@0.5, agreement or cosine; see
 * {@link EvalResult#primaryMetric()}) against median latency, each model a circle whose area is
 * proportional to its file size.
 *
 * <p>Stateless and thread-safe.
 */
public final class EvalHtml {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};
    private static final int WIDTH = 640;
    private static final int HEIGHT = 360;
    private static final int MARGIN = 60;
    private static final double MAX_RADIUS = 22;

    private EvalHtml() {
    }

    /** The page for results evaluated on {@code data}. */
    public static String render(List<EvalResult> results, EvalData data) {
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>Outpost evaluation report</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}\n")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;")
                .append("text-align:right}th{background:#f3f3f3}td.text,th.text{text-align:left}\n")
                .append("svg{background:#fff;border:1px solid #ddd}.axis{stroke:#444}.grid{stroke:#eee}")
                .append("text{font-size:11px}\n</style>\n</head>\n<body>\n<h1>Outpost evaluation report</h1>\n");
        page.append("<p class=\"data\">Data: ").append(escape(data.describe())).append("; task ")
                .append(escape(data.task().cliName())).append(". Latency: median ONNX Runtime time of one sample.</p>\n");
        table(page, results);
        fidelity(page, results);
        List<EvalResult> plotted = plottable(results);
        if (plotted.size() >= 2) {
            String metric = plotted.getFirst().primaryMetric().orElseThrow();
            page.append("<h2>").append(escape(EvalTable.heading(metric))).append(" against latency and size</h2>\n")
                    .append("<p>Each circle is a model; its area is proportional to the model file's size. Upper left")
                    .append(" is better.</p>\n");
            scatter(page, plotted, metric);
        }
        return page.append("</body>\n</html>\n").toString();
    }

    private static void table(StringBuilder page, List<EvalResult> results) {
        List<String> metrics = EvalTable.metricColumns(results);
        page.append("<h2>Results</h2>\n<table class=\"results\">\n<tr><th class=\"text\">model</th><th>size</th>")
                .append("<th>latency p50</th>");
        metrics.forEach(metric -> page.append("<th>").append(escape(EvalTable.heading(metric))).append("</th>"));
        page.append("<th class=\"text\">reference</th><th class=\"text\">pipeline</th></tr>\n");
        for (EvalResult result : results) {
            page.append("<tr><td class=\"text\">").append(escape(EvalTable.fileName(result.model()))).append("</td>");
            cell(page, EvalTable.size(result.modelBytes()));
            cell(page, EvalTable.millis(result.latencyMedian()));
            for (String metric : metrics) {
                cell(page, result.metric(metric).isPresent()
                        ? EvalTable.format(metric, result.metric(metric).getAsDouble()) : "-");
            }
            page.append("<td class=\"text\">").append(escape(result.reference().map(EvalTable::fileName).orElse("-")))
                    .append("</td><td class=\"text\">").append(escape(result.pipeline())).append("</td></tr>\n");
        }
        page.append("</table>\n");
    }

    private static void fidelity(StringBuilder page, List<EvalResult> results) {
        if (results.stream().allMatch(result -> result.fidelity().isEmpty())) {
            return;
        }
        page.append("<h2>Fidelity per output</h2>\n<table class=\"fidelity\">\n<tr><th class=\"text\">model</th>")
                .append("<th class=\"text\">output</th><th>values</th><th>agree</th><th>cos mean</th><th>cos min</th>")
                .append("<th>SQNR</th><th>max |err|</th></tr>\n");
        for (EvalResult result : results) {
            for (OutputFidelity output : result.fidelity()) {
                page.append("<tr><td class=\"text\">").append(escape(EvalTable.fileName(result.model())))
                        .append("</td><td class=\"text\">").append(escape(output.name())).append("</td>");
                cell(page, Integer.toString(output.valuesPerSample()));
                cell(page, output.agreementTop1().isPresent()
                        ? EvalTable.format(EvalResult.AGREEMENT_TOP1, output.agreementTop1().getAsDouble()) : "-");
                cell(page, EvalTable.format(EvalResult.COSINE_MEAN, output.cosineMean()));
                cell(page, EvalTable.format(EvalResult.COSINE_MIN, output.cosineMin()));
                cell(page, EvalTable.format(EvalResult.SQNR_DB, output.sqnrDb()));
                cell(page, EvalTable.format(EvalResult.MAX_ABS_ERROR, output.maxAbsError()));
                page.append("</tr>\n");
            }
        }
        page.append("</table>\n");
    }

    /** The results with a finite value of the first quality metric any result has. */
    private static List<EvalResult> plottable(List<EvalResult> results) {
        Optional<String> metric = results.stream().flatMap(result -> result.primaryMetric().stream()).findFirst();
        if (metric.isEmpty()) {
            return List.of();
        }
        List<EvalResult> plotted = new ArrayList<>();
        for (EvalResult result : results) {
            if (result.metric(metric.get()).isPresent() && Double.isFinite(result.metric(metric.get()).getAsDouble())) {
                plotted.add(result);
            }
        }
        return plotted;
    }

    private static void scatter(StringBuilder page, List<EvalResult> results, String metric) {
        double right = results.stream().mapToDouble(result -> result.latencyMedian().toNanos() / 1e6).max().orElse(1) * 1.15;
        right = right > 0 ? right : 1;
        double low = results.stream().mapToDouble(result -> result.metric(metric).getAsDouble()).min().orElse(0);
        double high = results.stream().mapToDouble(result -> result.metric(metric).getAsDouble()).max().orElse(1);
        double pad = Math.max((high - low) * 0.15, Math.max(Math.abs(high) * 0.01, 1e-6));
        double bottom = low - pad;
        double top = high + pad;
        long largest = results.stream().mapToLong(EvalResult::modelBytes).max().orElse(1);
        page.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scatter\" width=\"%d\""
                + " height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>%s</title>\n", WIDTH, HEIGHT, WIDTH, HEIGHT,
                escape(EvalTable.heading(metric) + " against latency and size")));
        for (int tick = 0; tick <= 4; tick++) {
            double value = bottom + (top - bottom) * tick / 4;
            double y = y(value, bottom, top);
            page.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", MARGIN, y, WIDTH - MARGIN, y,
                    MARGIN - 4, y + 4, escape(EvalTable.format(metric, value))));
            double latency = right * tick / 4;
            double x = x(latency, right);
            page.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.3g</text>\n",
                    x, HEIGHT - MARGIN + 16, latency));
        }
        page.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                + "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", MARGIN, HEIGHT - MARGIN,
                WIDTH - MARGIN, HEIGHT - MARGIN, MARGIN, MARGIN / 2, MARGIN, HEIGHT - MARGIN));
        page.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">median latency (ms)</text>"
                + "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>\n",
                WIDTH / 2, HEIGHT - 14, HEIGHT / 2, HEIGHT / 2, escape(EvalTable.heading(metric))));
        for (int index = 0; index < results.size(); index++) {
            EvalResult result = results.get(index);
            double value = result.metric(metric).getAsDouble();
            double x = x(result.latencyMedian().toNanos() / 1e6, right);
            double y = y(value, bottom, top);
            double radius = Math.max(3, MAX_RADIUS * Math.sqrt(result.modelBytes() / (double) Math.max(1, largest)));
            String colour = COLOURS[index % COLOURS.length];
            String name = EvalTable.fileName(result.model());
            // Labels go right of the circle, or left of it where they would leave the plot (about 6 px a character).
            boolean left = x + radius + 3 + 6 * name.length() > WIDTH - 4;
            page.append(String.format(Locale.ROOT, "<circle class=\"model\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\""
                    + " fill-opacity=\"0.6\" stroke=\"%s\"><title>%s: %s, %s, %s</title></circle>"
                    + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n", x, y, radius, colour, colour,
                    escape(name), escape(EvalTable.format(metric, value)), escape(EvalTable.millis(result.latencyMedian())),
                    escape(EvalTable.size(result.modelBytes())), left ? x - radius - 3 : x + radius + 3, y + 4,
                    left ? "end" : "start", escape(name)));
        }
        page.append("</svg>\n");
    }

    private static double x(double latency, double right) {
        return MARGIN + latency / right * (WIDTH - 2 * MARGIN);
    }

    private static double y(double value, double bottom, double top) {
        return HEIGHT - MARGIN - (value - bottom) / (top - bottom) * (HEIGHT - MARGIN * 1.5);
    }

    private static void cell(StringBuilder page, String text) {
        page.append("<td>").append(escape(text)).append("</td>");
    }

    /** Escapes the XML special characters; control characters become spaces. */
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
