package dev.outpost.serving;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A JSON object for {@link RestFuzzer} to build and mutate: fields in insertion order, each value as
 * JSON text (so that a mutation can put anything there, valid JSON or not). Rendered with the fields in
 * random order and random white space. Mutable; not thread-safe.
 */
final class FuzzJson {

    /** Key and JSON text of each field; a key may appear twice (a mutation does that on purpose). */
    final List<String[]> fields = new ArrayList<>();

    /** Sets a field, replacing every field of that key. */
    FuzzJson put(String key, String json) {
        remove(key);
        fields.add(new String[] {key, json});
        return this;
    }

    void remove(String key) {
        fields.removeIf(field -> field[0].equals(key));
    }

    boolean has(String key) {
        return fields.stream().anyMatch(field -> field[0].equals(key));
    }

    /** The object's JSON text, the fields shuffled. */
    String render(Random random) {
        List<String[]> order = new ArrayList<>(fields);
        Collections.shuffle(order, random);
        StringBuilder out = new StringBuilder("{");
        for (String[] field : order) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(space(random)).append(FuzzSample.quote(field[0])).append(space(random)).append(':')
                    .append(space(random)).append(field[1]);
        }
        return out.append(space(random)).append('}').toString();
    }

    /** White space as JSON allows it between tokens: mostly none. */
    static String space(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> " ";
            case 1 -> "\n  ";
            case 2 -> "\t";
            default -> "";
        };
    }
}
