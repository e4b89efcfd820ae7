package dev.outpost.optimizer;

import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Test helper for all-MiniLM-L6-v2 from the langchain4j jars on the test class path: the fp32 model, the
 * published int8 model, the tokenizer, English sentences to embed, and mean-pooled normalized embeddings.
 */
final class MiniLm {

    static final String FP32 = "/all-minilm-l6-v2.onnx";
    static final String PUBLISHED_INT8 = "/all-minilm-l6-v2-q.onnx";

    private MiniLm() {
    }

    /** Copies a model resource to a file in {@code dir}. */
    static Path extract(String resource, Path dir) {
        Path file = dir.resolve(resource.substring(1));
        try (InputStream in = MiniLm.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no " + resource + " on the test class path");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static WordPiece tokenizer() {
        try (InputStream in = MiniLm.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            return WordPiece.fromTokenizerJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sentences of 30 to 400 characters from the Markdown documents in {@code folder}, in file order. */
    static List<String> sentences(Path folder, int count) {
        List<String> sentences = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                String text = Files.readString(file).replaceAll("[`*|#>\\[\\]]", " ").replaceAll("\\s+", " ");
                for (String sentence : Pattern.compile("(?<=[.!?])\\s+").split(text)) {
                    if (sentence.length() >= 30 && sentence.length() <= 400 && sentences.size() < count) {
                        sentences.add(sentence.trim());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sentences;
    }

    /** Model inputs for one sentence (batch 1). */
    static Map<String, Tensor> inputs(long[] ids) {
        long[] mask = new long[ids.length];
        java.util.Arrays.fill(mask, 1);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put("input_ids", Tensor.of(ids, 1, ids.length));
        inputs.put("attention_mask", Tensor.of(mask, 1, ids.length));
        inputs.put("token_type_ids", Tensor.of(new long[ids.length], 1, ids.length));
        return inputs;
    }

    /** The mean-pooled, L2-normalized embedding of the first output (the token states). */
    static float[] embed(ModelSession session, Map<String, Tensor> inputs) {
        try (Outputs outputs = session.run(inputs)) {
            Tensor states = outputs.first();
            int tokens = (int) states.dim(1);
            int width = (int) states.dim(2);
            float[] values = states.toFloatArray();
            float[] mean = new float[width];
            for (int t = 0; t < tokens; t++) {
                for (int d = 0; d < width; d++) {
                    mean[d] += values[t * width + d] / tokens;
                }
            }
            double norm = 0;
            for (float v : mean) {
                norm += v * v;
            }
            for (int d = 0; d < width; d++) {
                mean[d] /= (float) Math.sqrt(norm);
            }
            return mean;
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }
}
