package dev.outpost.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a classifier's output tensor into the top-k {@link Classification}s of each image, as a
 * {@link ClassificationSpec} declares: scale, activation (softmax, none, log-softmax, sigmoid), label
 * offset, labels. Ties in score keep the lower class index first.
 *
 * <p>The output's first dimension is the batch; the rest (e.g. {@code [1000]} or {@code [1000,1,1]})
 * holds the scores of one image. Any numeric element type is read (uint8 outputs included).
 *
 * <p>Immutable and thread-safe.
 */
public final class ClassificationPostprocessor {

    private final ClassificationSpec spec;
    private final List<String> labels;

    private ClassificationPostprocessor(ClassificationSpec spec, List<String> labels) {
        this.spec = spec;
        this.labels = labels;
    }

    /**
     * A postprocessor whose labels come from the spec's labels file, if it names one.
     *
     * @throws InferenceException PIPELINE when the labels file cannot be read
     */
    public static ClassificationPostprocessor create(ClassificationSpec spec) {
        return new ClassificationPostprocessor(spec, spec.labels().map(Labels::load).orElse(List.of()));
    }

    /** A postprocessor with the given labels (empty: class indices as labels); the spec's labels file is ignored. */
    public static ClassificationPostprocessor create(ClassificationSpec spec, List<String> labels) {
        return new ClassificationPostprocessor(Objects.requireNonNull(spec, "spec"), List.copyOf(labels));
    }

    /**
     * The output to read: the declared one, or the only one.
     *
     * @throws InferenceException PIPELINE when the declared output is missing or there is more than one
     */
    public String outputName(List<String> modelOutputs) {
        return resolveOutput(spec.output().orElse(null), "classification.output", modelOutputs);
    }

    /**
     * The top-k classes of each image in the batch.
     *
     * @throws InferenceException PIPELINE when the output does not hold more classes than the label
     *     offset, or the labels do not match the number of classes
     */
    public List<List<Classification>> process(Tensor output) {
        int batch = output.rank() >= 2 ? Math.toIntExact(output.dim(0)) : 1;
        float[] values = output.toFloatArray();
        if (batch == 0) {
            return List.of();
        }
        int perImage = values.length / batch;
        int classes = perImage - spec.labelOffset();
        if (classes <= 0) {
            throw fail("output " + output + " has " + perImage + " scores per image; label offset "
                    + spec.labelOffset() + " leaves no classes");
        }
        if (!labels.isEmpty() && labels.size() != classes) {
            throw fail("output " + output + " has " + classes + " classes (" + perImage + " scores, label offset "
                    + spec.labelOffset() + ") but " + labels.size() + " labels were given");
        }
        List<List<Classification>> results = new ArrayList<>(batch);
        float[] scores = new float[classes];
        for (int n = 0; n < batch; n++) {
            int base = n * perImage + spec.labelOffset();
            for (int i = 0; i < classes; i++) {
                scores[i] = values[base + i] * spec.scale();
            }
            activate(scores);
            results.add(topK(scores));
        }
        return results;
    }

    /** Applies the activation in place. Softmax runs over the classes after the label offset. */
    private void activate(float[] scores) {
        switch (spec.activation()) {
            case NONE -> { }
            case LOG_SOFTMAX -> {
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = (float) Math.exp(scores[i]);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = (float) (1.0 / (1.0 + Math.exp(-scores[i])));
                }
            }
            case SOFTMAX -> {
                float max = Float.NEGATIVE_INFINITY;
                for (float score : scores) {
                    max = Math.max(max, score);
                }
                double sum = 0;
                double[] exp = new double[scores.length];
                for (int i = 0; i < scores.length; i++) {
                    exp[i] = Math.exp(scores[i] - max);
                    sum += exp[i];
                }
                for (int i = 0; i < scores.length; i++) {
                    scores[i] = (float) (exp[i] / sum);
                }
            }
        }
    }

    private List<Classification> topK(float[] scores) {
        int k = Math.min(spec.topK(), scores.length);
        int[] best = new int[k];
        int found = 0;
        for (int i = 0; i < scores.length; i++) {
            float score = scores[i];
            if (found == k && !(score > scores[best[k - 1]])) {
                continue;
            }
            int at = found < k ? found++ : k - 1;
            while (at > 0 && score > scores[best[at - 1]]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        List<Classification> top = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
            top.add(new Classification(best[j], Labels.of(labels, best[j]), scores[best[j]]));
        }
        return top;
    }

    static String resolveOutput(String declared, String key, List<String> modelOutputs) {
        if (declared != null) {
            if (!modelOutputs.contains(declared)) {
                throw fail(key + " '" + declared + "' is not a model output; the outputs are " + modelOutputs);
            }
            return declared;
        }
        if (modelOutputs.size() != 1) {
            throw fail("the model has " + modelOutputs.size() + " outputs " + modelOutputs + "; declare " + key);
        }
        return modelOutputs.getFirst();
    }

    private static InferenceException fail(String message) {
        return new InferenceException(InferenceException.Code.PIPELINE, message);
    }
}
