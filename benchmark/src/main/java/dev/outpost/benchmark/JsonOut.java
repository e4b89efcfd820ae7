package dev.outpost.benchmark;

/**
 * A minimal JSON writer with keys in the order written and 2-space indentation. Non-finite numbers
 * are written as {@code null}. Not thread-safe; one document per instance.
 */
final class JsonOut {

    private final StringBuilder out = new StringBuilder();
    private int depth;
    private boolean first = true;
    /** A key was just written: the next value follows it without a separator. */
    private boolean pendingValue;

    JsonOut beginObject() {
        value();
        out.append('{');
        depth++;
        first = true;
        return this;
    }

    JsonOut endObject() {
        return end('}');
    }

    JsonOut beginArray() {
        value();
        out.append('[');
        depth++;
        first = true;
        return this;
    }

    JsonOut endArray() {
        return end(']');
    }

    private JsonOut end(char bracket) {
        depth--;
        if (!first) {
            newline();
        }
        out.append(bracket);
        first = false;
        return this;
    }

    /** Writes a key; the next call writes its value. */
    JsonOut key(String name) {
        separator();
        string(name);
        out.append(": ");
        pendingValue = true;
        return this;
    }

    private void value() {
        if (pendingValue) {
            pendingValue = false;
        } else if (depth > 0) {
            separator();
        }
    }

    private void separator() {
        if (!first) {
            out.append(',');
        }
        newline();
        first = false;
    }

    private void newline() {
        out.append('\n').append("  ".repeat(depth));
    }

    JsonOut value(String text) {
        value();
        if (text == null) {
            out.append("null");
        } else {
            string(text);
        }
        first = false;
        return this;
    }

    JsonOut value(long number) {
        value();
        out.append(number);
        first = false;
        return this;
    }

    JsonOut value(double number) {
        value();
        if (Double.isFinite(number)) {
            out.append(number == Math.rint(number) && Math.abs(number) < 1e15 ? Long.toString((long) number)
                    : Double.toString(number));
        } else {
            out.append("null");
        }
        first = false;
        return this;
    }

    JsonOut value(boolean flag) {
        value();
        out.append(flag);
        first = false;
        return this;
    }

    JsonOut nullValue() {
        value();
        out.append("null");
        first = false;
        return this;
    }

    JsonOut field(String name, String text) {
        return key(name).value(text);
    }

    JsonOut field(String name, long number) {
        return key(name).value(number);
    }

    JsonOut field(String name, double number) {
        return key(name).value(number);
    }

    JsonOut field(String name, boolean flag) {
        return key(name).value(flag);
    }

    private void string(String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
