package dev.outpost.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads class labels: one per line. ImageNet {@code synset.txt} lines ({@code n01440764 tench, Tinca
 * tinca}) give the first name after the WordNet id ({@code tench}). Trailing blank lines are ignored;
 * a blank line inside the file is an error. Stateless.
 */
final class Labels {

    private static final Pattern SYNSET = Pattern.compile("n\\d{8}\\s+(.+)");

    private Labels() {
    }

    static List<String> load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InferenceException(InferenceException.Code.PIPELINE,
                    "Cannot read labels file " + file + ": " + e, e);
        }
        return parse(lines, file.toString());
    }

    /** Labels from the lines of a labels file; {@code file} names it in errors. */
    static List<String> parse(List<String> lines, String file) {
        int end = lines.size();
        while (end > 0 && lines.get(end - 1).isBlank()) {
            end--;
        }
        if (end == 0) {
            throw new InferenceException(InferenceException.Code.PIPELINE,
                    "Labels file " + file + " has no labels; expected one label per line");
        }
        List<String> labels = new ArrayList<>(end);
        for (int i = 0; i < end; i++) {
            String line = lines.get(i).strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.isEmpty()) {
                throw new InferenceException(InferenceException.Code.PIPELINE, "Labels file " + file
                        + " has a blank line " + (i + 1) + "; expected one label per line");
            }
            labels.add(parseLine(line));
        }
        return List.copyOf(labels);
    }

    static String parseLine(String line) {
        Matcher synset = SYNSET.matcher(line);
        if (synset.matches()) {
            String names = synset.group(1);
            int comma = names.indexOf(',');
            return (comma < 0 ? names : names.substring(0, comma)).strip();
        }
        return line;
    }

    /** The label of class {@code index}, or the index as text without labels. */
    static String of(List<String> labels, int index) {
        return labels.isEmpty() ? Integer.toString(index) : labels.get(index);
    }
}
