package dev.outpost.optimizer.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Evaluation results as a plain-text table for a terminal: one row per model with its size, median
 * latency, every measured metric (accuracies as percentages) and where its pipeline came from, then
 * one line per output for models compared on several outputs. Also the metric formatting shared by
 * {@link EvalHtml}. Stateless and thread-safe.
 */
public final class EvalTable {

    private EvalTable() {
    }

    /** A column heading for a metric name of {@link EvalResult}, e.g. {@code top-1} or {@code SQNR}. */
    public static String heading(String metric) {
        return switch (metric) {
            case EvalResult.TOP1 -> "top-1";
            case EvalResult.TOP5 -> "top-5";
            case EvalResult.MAP50 -> "mAP@.5";
            case EvalResult.MAP50_95 -> "mAP@.5:.95";
            case EvalResult.AGREEMENT_TOP1 -> "agree";
            case EvalResult.COSINE_MEAN -> "cos mean";
            case EvalResult.COSINE_MIN -> "cos min";
            case EvalResult.SQNR_DB -> "SQNR";
            case EvalResult.MAX_ABS_ERROR -> "max |err|";
            default -> metric;
        };
    }

    /** A metric value as shown: {@code 68.0%}, {@code 0.508}, {@code 0.99998}, {@code 41.2 dB}, {@code inf dB}. */
    public static String format(String metric, double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        return switch (metric) {
            case EvalResult.TOP1, EvalResult.TOP5, EvalResult.AGREEMENT_TOP1 ->
                    String.format(Locale.ROOT, "%.1f%%", value * 100);
            case EvalResult.MAP50, EvalResult.MAP50_95 -> String.format(Locale.ROOT, "%.3f", value);
            case EvalResult.COSINE_MEAN, EvalResult.COSINE_MIN -> String.format(Locale.ROOT, "%.5f", value);
            case EvalResult.SQNR_DB -> Double.isInfinite(value) ? (value > 0 ? "inf dB" : "-inf dB")
                    : String.format(Locale.ROOT, "%.1f dB", value);
            default -> String.format(Locale.ROOT, "%.3g", value);
        };
    }

    /** Bytes as {@code 4.8 MB} / {@code 312 kB} / {@code 900 B} (powers of 1000). */
    public static String size(long bytes) {
        if (bytes >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        }
        if (bytes >= 1_000) {
            return String.format(Locale.ROOT, "%.0f kB", bytes / 1e3);
        }
        return bytes + " B";
    }

    /** Milliseconds with two decimals, e.g. {@code 3.21 ms}. */
    static String millis(java.time.Duration duration) {
        return String.format(Locale.ROOT, "%.2f ms", duration.toNanos() / 1e6);
    }

    /** The metric names that any result has, in report order. */
    static List<String> metricColumns(List<EvalResult> results) {
        return EvalResult.METRIC_NAMES.stream()
                .filter(name -> results.stream().anyMatch(result -> result.metrics().containsKey(name)))
                .toList();
    }

    static String fileName(Path path) {
        Path name = path.getFileName();
        return name == null ? path.toString() : name.toString();
    }

    /**
     * The table, preceded by one line describing the data and the task.
     *
     * @param results one per model, in the order to show
     * @param data the data they were evaluated on
     */
    public static String render(List<EvalResult> results, EvalData data) {
        List<String> metrics = metricColumns(results);
        List<String> header = new ArrayList<>(List.of("model", "size", "latency p50"));
        metrics.forEach(metric -> header.add(heading(metric)));
        header.add("reference");
        header.add("pipeline");
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        for (EvalResult result : results) {
            List<String> row = new ArrayList<>(List.of(fileName(result.model()), size(result.modelBytes()),
                    millis(result.latencyMedian())));
            for (String metric : metrics) {
                row.add(result.metric(metric).isPresent() ? format(metric, result.metric(metric).getAsDouble()) : "-");
            }
            row.add(result.reference().map(EvalTable::fileName).orElse("-"));
            row.add(result.pipeline());
            rows.add(row);
        }
        int[] widths = new int[header.size()];
        for (List<String> row : rows) {
            for (int column = 0; column < row.size(); column++) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        StringBuilder text = new StringBuilder();
        text.append("data: ").append(data.describe()).append("; task ").append(data.task().cliName()).append('\n');
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int column = 0; column < row.size(); column++) {
                String cell = row.get(column);
                boolean left = column == 0 || column >= row.size() - 2;
                String padding = " ".repeat(widths[column] - cell.length());
                line.append(column == 0 ? "" : "  ").append(left ? cell + padding : padding + cell);
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        for (EvalResult result : results) {
            if (result.fidelity().size() > 1) {
                text.append(fileName(result.model())).append(" per output:\n");
                for (OutputFidelity output : result.fidelity()) {
                    text.append("  ").append(outputLine(output)).append('\n');
                }
            }
        }
        return text.toString();
    }

    /** One output's fidelity in words. */
    static String outputLine(OutputFidelity output) {
        StringBuilder line = new StringBuilder(output.name());
        if (!output.name().equals(output.referenceName())) {
            line.append(" (reference ").append(output.referenceName()).append(')');
        }
        line.append(": ").append(output.valuesPerSample()).append(" values");
        output.agreementTop1().ifPresent(value -> line.append(", agree ").append(format(EvalResult.AGREEMENT_TOP1, value)));
        line.append(", cos mean ").append(format(EvalResult.COSINE_MEAN, output.cosineMean()))
                .append(", cos min ").append(format(EvalResult.COSINE_MIN, output.cosineMin()))
                .append(", SQNR ").append(format(EvalResult.SQNR_DB, output.sqnrDb()))
                .append(", max |err| ").append(format(EvalResult.MAX_ABS_ERROR, output.maxAbsError()));
        return line.toString();
    }
}
