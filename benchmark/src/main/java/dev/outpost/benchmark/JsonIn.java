package dev.outpost.benchmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader for {@link BenchDiff}: objects keep key order (LinkedHashMap), numbers are
 * Doubles, {@code null} is null; rejects trailing text and duplicate keys. Errors are
 * IllegalArgumentExceptions naming the character offset; callers wrap them with the file's name.
 *
 * <p>Stateless entry point; each parse uses its own instance.
 */
final class JsonIn {

    private final String text;
    private int position;

    private JsonIn(String text) {
        this.text = text;
    }

    /**
     * Reads and parses a JSON file that {@code writer} (a command, e.g. {@code outpost eval --json})
     * wrote; errors name the file and the writer.
     *
     * @throws BenchmarkException IO when the file is missing or unreadable, INVALID_REPORT when it is not JSON
     */
    static Object readFile(java.nio.file.Path file, String writer) {
        String text;
        try {
            text = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, file + " does not exist; expected a JSON file"
                    + " written by '" + writer + "'", e);
        } catch (java.io.IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_REPORT, file + ": " + e.getMessage()
                    + "; expected a JSON file written by '" + writer + "'");
        }
    }

    static Object parse(String text) {
        JsonIn parser = new JsonIn(text);
        Object value = parser.value();
        parser.skipSpace();
        if (parser.position != text.length()) {
            throw parser.error("trailing text");
        }
        return value;
    }

    private Object value() {
        skipSpace();
        char c = peek();
        if (c == '{') {
            return object();
        } else if (c == '[') {
            return array();
        } else if (c == '"') {
            return string();
        } else if (text.startsWith("true", position)) {
            position += 4;
            return Boolean.TRUE;
        } else if (text.startsWith("false", position)) {
            position += 5;
            return Boolean.FALSE;
        } else if (text.startsWith("null", position)) {
            position += 4;
            return null;
        }
        int start = position;
        while (position < text.length() && "+-0123456789.eE".indexOf(text.charAt(position)) >= 0) {
            position++;
        }
        if (start == position) {
            throw error("unexpected character '" + c + "'");
        }
        try {
            return Double.parseDouble(text.substring(start, position));
        } catch (NumberFormatException e) {
            throw error("bad number '" + text.substring(start, position) + "'");
        }
    }

    private Map<String, Object> object() {
        Map<String, Object> map = new LinkedHashMap<>();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            position++;
            return map;
        }
        do {
            skipSpace();
            String key = string();
            skipSpace();
            expect(':');
            if (map.containsKey(key)) {
                throw error("duplicate key " + key);
            }
            map.put(key, value());
            skipSpace();
        } while (consume(','));
        expect('}');
        return map;
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        expect('[');
        skipSpace();
        if (peek() == ']') {
            position++;
            return list;
        }
        do {
            list.add(value());
            skipSpace();
        } while (consume(','));
        expect(']');
        return list;
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (peek() != '"') {
            char c = text.charAt(position++);
            if (c == '\\') {
                char escaped = peek();
                position++;
                switch (escaped) {
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (position + 4 > text.length()) {
                            throw error("unexpected end in a \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(text.substring(position, position + 4), 16));
                        } catch (NumberFormatException e) {
                            throw error("bad \\u escape");
                        }
                        position += 4;
                    }
                    default -> out.append(escaped);
                }
            } else if (c < 0x20) {
                throw error("raw control character in string");
            } else {
                out.append(c);
            }
        }
        position++;
        return out.toString();
    }

    private boolean consume(char c) {
        if (position < text.length() && text.charAt(position) == c) {
            position++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!consume(c)) {
            throw error("expected '" + c + "'");
        }
    }

    private char peek() {
        if (position >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(position);
    }

    private void skipSpace() {
        while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
            position++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("not valid JSON: " + what + " at character " + position);
    }
}
