package dev.outpost.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed values from a pipeline declaration's string properties, with errors that name the key
 * as the user wrote it (with its prefix), the bad value and the valid choices. Remembers which keys
 * were read so that unknown keys can be rejected. Not thread-safe; one instance per parse.
 */
final class PipelineProperties {

    private final Map<String, String> values;
    private final String prefix;
    private final String source;
    private final Set<String> read = new HashSet<>();

    PipelineProperties(Map<String, String> values, String prefix, String source) {
        this.values = new LinkedHashMap<>(values);
        this.prefix = prefix;
        this.source = source;
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    boolean hasAnyStartingWith(String keyPrefix) {
        return values.keySet().stream().anyMatch(k -> k.startsWith(keyPrefix));
    }

    Optional<String> string(String key) {
        read.add(key);
        String value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        String trimmed = value.trim();
        if (trimmed.isEmpty()) {
            throw error(key, value, "a non-empty value");
        }
        return Optional.of(trimmed);
    }

    /** A choice among {@code choices} (matched case-insensitively), keyed by the spelling users write. */
    <T> T choice(String key, Map<String, T> choices, T defaultValue) {
        Optional<String> value = string(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        for (Map.Entry<String, T> entry : choices.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(value.get())) {
                return entry.getValue();
            }
        }
        throw error(key, value.get(), describeChoices(new ArrayList<>(choices.keySet())));
    }

    int integer(String key, int defaultValue, int min, int max) {
        Optional<String> value = string(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        return parseInt(key, value.get(), min, max);
    }

    int parseInt(String key, String text, int min, int max) {
        String expected = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer in " + min + ".." + max;
        try {
            int parsed = Integer.parseInt(text.trim());
            if (parsed < min || parsed > max) {
                throw error(key, text, expected);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw error(key, text, expected);
        }
    }

    float number(String key, float defaultValue, float min, float max) {
        Optional<String> value = string(key);
        return value.isEmpty() ? defaultValue : parseFloat(key, value.get(), min, max);
    }

    List<Float> numbers(String key, List<Float> defaultValue, float min, float max) {
        Optional<String> value = string(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        List<Float> parsed = new ArrayList<>();
        for (String part : value.get().split(",", -1)) {
            parsed.add(parseFloat(key, part, min, max));
        }
        return parsed;
    }

    boolean bool(String key, boolean defaultValue) {
        Map<String, Boolean> choices = new LinkedHashMap<>();
        choices.put("true", true);
        choices.put("false", false);
        return choice(key, choices, defaultValue);
    }

    Optional<Path> path(String key, Path baseDir) {
        return string(key).map(text -> {
            Path path = Path.of(text);
            return baseDir == null || path.isAbsolute() ? path : baseDir.resolve(path).normalize();
        });
    }

    private float parseFloat(String key, String text, float min, float max) {
        String expected = "a number in " + format(min) + ".." + format(max);
        try {
            float parsed = Float.parseFloat(text.trim());
            if (!(parsed >= min && parsed <= max)) {
                throw error(key, text, expected);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw error(key, text, expected);
        }
    }

    /** Rejects keys that were never read, listing the valid ones. */
    void rejectUnknown(Set<String> validKeys) {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            String first = unknown.iterator().next();
            String hint = validKeys.contains(first)
                    ? " is not used by this declaration (check task, input.resize and detection.format)"
                    : " is not a pipeline key";
            throw new InferenceException(InferenceException.Code.PIPELINE, "Pipeline declaration " + source
                    + ": " + prefix + first + hint + "; valid keys: " + validKeys.stream().map(k -> prefix + k).toList());
        }
    }

    InferenceException error(String key, String value, String expected) {
        return new InferenceException(InferenceException.Code.PIPELINE, "Pipeline declaration " + source + ": "
                + prefix + key + " = '" + value + "'; expected " + expected);
    }

    InferenceException invalid(String message, Throwable cause) {
        return new InferenceException(InferenceException.Code.PIPELINE,
                "Pipeline declaration " + source + ": " + message, cause);
    }

    static String describeChoices(List<String> choices) {
        if (choices.size() == 2) {
            return choices.get(0) + " or " + choices.get(1);
        }
        return "one of " + String.join(", ", choices);
    }

    static String format(float value) {
        if (value == Float.MAX_VALUE) {
            return "inf";
        }
        if (value == -Float.MAX_VALUE) {
            return "-inf";
        }
        return value == Math.rint(value) ? Long.toString((long) value) : Float.toString(value);
    }

    static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
