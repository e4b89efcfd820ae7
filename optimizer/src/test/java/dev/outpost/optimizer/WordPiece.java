package dev.outpost.optimizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test helper: the BERT uncased tokenizer of a Hugging Face {@code tokenizer.json} (lower-casing,
 * splitting on whitespace and punctuation, greedy longest-match WordPiece with {@code ##}
 * continuations, [CLS] ... [SEP]). Enough to feed real sentences to MiniLM; both models under
 * comparison get the same ids.
 */
final class WordPiece {

    private final Map<String, Integer> vocab;
    private final int unknown;

    private WordPiece(Map<String, Integer> vocab) {
        this.vocab = vocab;
        this.unknown = vocab.get("[UNK]");
    }

    static WordPiece fromTokenizerJson(InputStream in) throws IOException {
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        int model = json.indexOf("\"model\"");
        int start = json.indexOf("\"vocab\"", model);
        int open = json.indexOf('{', start);
        int close = json.indexOf('}', open);
        Map<String, Integer> vocab = new HashMap<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*(\\d+)").matcher(json.substring(open + 1, close));
        while (m.find()) {
            vocab.put(unescape(m.group(1)), Integer.parseInt(m.group(2)));
        }
        return new WordPiece(vocab);
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = s.charAt(++i);
            switch (next) {
                case 'u' -> {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                default -> out.append(next);
            }
        }
        return out.toString();
    }

    /** Token ids with [CLS] and [SEP], at most {@code maxLength}. */
    long[] encode(String text, int maxLength) {
        List<Integer> ids = new ArrayList<>();
        ids.add(vocab.get("[CLS]"));
        for (String word : words(text.toLowerCase(Locale.ROOT))) {
            int start = 0;
            List<Integer> pieces = new ArrayList<>();
            while (start < word.length()) {
                int end = word.length();
                Integer id = null;
                while (end > start) {
                    String piece = (start > 0 ? "##" : "") + word.substring(start, end);
                    id = vocab.get(piece);
                    if (id != null) {
                        break;
                    }
                    end--;
                }
                if (id == null) {
                    pieces = List.of(unknown);
                    break;
                }
                pieces.add(id);
                start = end;
            }
            ids.addAll(pieces);
        }
        if (ids.size() > maxLength - 1) {
            ids = ids.subList(0, maxLength - 1);
        }
        ids.add(vocab.get("[SEP]"));
        return ids.stream().mapToLong(Integer::longValue).toArray();
    }

    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                flush(words, current);
            } else if (isPunctuation(c)) {
                flush(words, current);
                words.add(String.valueOf(c));
            } else {
                current.append(c);
            }
        }
        flush(words, current);
        return words;
    }

    private static boolean isPunctuation(char c) {
        return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)
                || Character.getType(c) == Character.OTHER_PUNCTUATION
                || Character.getType(c) == Character.DASH_PUNCTUATION;
    }

    private static void flush(List<String> words, StringBuilder current) {
        if (!current.isEmpty()) {
            words.add(current.toString());
            current.setLength(0);
        }
    }
}
