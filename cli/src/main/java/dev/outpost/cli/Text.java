package dev.outpost.cli;

import java.time.Duration;
import java.util.Locale;

/** Small formatting helpers for terminal output. */
final class Text {

    private Text() {
    }

    /** Milliseconds with two decimals: {@code 5.12 ms}. */
    static String ms(Duration duration) {
        return String.format(Locale.ROOT, "%.2f ms", duration.toNanos() / 1e6);
    }

    static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    /** Text cut in the middle to {@code max} characters, keeping its start and end. */
    static String fit(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int head = (max - 3) / 2;
        return text.substring(0, head) + "..." + text.substring(text.length() - (max - 3 - head));
    }

    /** A count with an SI suffix: {@code 349.2 M}, {@code 4.09 G}, {@code 108}. */
    static String count(long value) {
        if (value < 10_000) {
            return Long.toString(value);
        }
        if (value < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f k", value / 1e3);
        }
        if (value < 10_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f M", value / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f G", value / 1e9);
    }

    /** JSON string literal with escapes. */
    static String json(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** A number as JSON: Java's shortest float form (valid JSON); NaN and infinities become null. */
    static String json(double value) {
        return Double.isFinite(value) ? Float.toString((float) value) : "null";
    }
}
