package dev.outpost.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the small JSON answers of a server into plain values (objects as {@link Map}s in key order,
 * arrays as {@link List}s, numbers as {@link Double}s, strings, booleans, null) with Jackson's
 * streaming parser, and walks them by field name and index.
 *
 * <p>Errors are {@link IllegalArgumentException}s that name the path; callers add which answer it was.
 */
final class Json {

    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    /** The JSON value in {@code length} bytes from {@code offset}; trailing text is an error. */
    static Object parse(byte[] bytes, int offset, int length) {
        try (JsonParser parser = FACTORY.createParser(bytes, offset, length)) {
            Object value = value(parser, parser.nextToken());
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("text after the JSON value at " + parser.currentLocation());
            }
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    private static Object value(JsonParser parser, JsonToken token) throws IOException {
        if (token == null) {
            throw new IllegalArgumentException("no JSON value (empty)");
        }
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    object.put(name, value(parser, parser.nextToken()));
                }
                yield object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                    array.add(value(parser, next));
                }
                yield array;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("unexpected " + token + " at " + parser.currentLocation());
        };
    }

    /** The value at {@code path} (field names and array indices) below {@code root}. */
    static Object at(Object root, Object... path) {
        Object node = root;
        for (int i = 0; i < path.length; i++) {
            Object step = path[i];
            node = switch (node) {
                case Map<?, ?> object when step instanceof String name && object.containsKey(name) -> object.get(name);
                case List<?> array when step instanceof Integer index && index < array.size() -> array.get(index);
                case null, default -> throw new IllegalArgumentException("no " + describe(path, i + 1) + " in "
                        + Text.fit(String.valueOf(node), 80));
            };
        }
        return node;
    }

    /** The first {@code count} steps of a path as JavaScript would write them: {@code classes[0].label}. */
    private static String describe(Object[] path, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(path[i] instanceof Integer ? "[" + path[i] + "]" : (i == 0 ? "" : ".") + path[i]);
        }
        return text.toString();
    }

    /** The list at {@code path}. */
    static List<?> list(Object root, Object... path) {
        return typed(root, List.class, "an array", path);
    }

    /** The number at {@code path}. */
    static double number(Object root, Object... path) {
        return typed(root, Double.class, "a number", path);
    }

    /** The string at {@code path}. */
    static String text(Object root, Object... path) {
        return typed(root, String.class, "a string", path);
    }

    private static <T> T typed(Object root, Class<T> type, String what, Object... path) {
        Object value = at(root, path);
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(describe(path, path.length) + " is " + value + ", not " + what);
        }
        return type.cast(value);
    }
}
