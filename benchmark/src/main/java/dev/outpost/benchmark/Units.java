package dev.outpost.benchmark;

import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

/** Formats figures for people: latencies in adaptive units, bytes in MiB, rates with 1-2 decimals; file names and text tables. */
final class Units {

    private Units() {
    }

    /** The last element of a path as given, split at a slash or a backslash (the model's file name in reports). */
    static String fileName(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(slash + 1);
    }

    /**
     * Rows of text cells as aligned columns, two spaces apart: left-aligned where {@code leftAligned}
     * says so, right-aligned otherwise; each line's trailing spaces stripped.
     */
    static String table(List<List<String>> rows, IntPredicate leftAligned) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder text = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                text.append(c == 0 ? "" : "  ").append(String.format(Locale.ROOT,
                        "%" + (leftAligned.test(c) ? "-" : "") + widths[c] + "s", row.get(c)));
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** Nanoseconds as {@code 850 ns}, {@code 12.3 us}, {@code 4.56 ms} or {@code 1.23 s}. */
    static String nanos(double nanos) {
        if (!Double.isFinite(nanos)) {
            return "n/a";
        }
        if (nanos < 1e3) {
            return String.format(Locale.ROOT, "%.0f ns", nanos);
        } else if (nanos < 1e6) {
            return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
        } else if (nanos < 1e9) {
            return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** Bytes as {@code 512 B}, {@code 12.3 KiB}, {@code 45.6 MiB} or {@code 1.23 GiB}; {@code n/a} when negative. */
    static String bytes(double bytes) {
        if (!(bytes >= 0)) {
            return "n/a";
        }
        if (bytes < 1024) {
            return String.format(Locale.ROOT, "%.0f B", bytes);
        } else if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
        } else if (bytes < 1024.0 * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / 1024 / 1024);
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / 1024 / 1024 / 1024);
    }

    /** A value of a metric in its natural unit. */
    static String format(SlaMetric metric, double value) {
        return switch (metric.unit()) {
            case TIME -> nanos(value);
            case BYTES -> bytes(value);
            case RATE -> String.format(Locale.ROOT, "%.1f qps", value);
            case GMACS -> String.format(Locale.ROOT, "%.2f GMAC/s", value);
            case FRACTION -> String.format(Locale.ROOT, "%.1f%%", value * 100);
            case ENERGY -> String.format(Locale.ROOT, "%.3f mJ", value * 1e3);
        };
    }
}
