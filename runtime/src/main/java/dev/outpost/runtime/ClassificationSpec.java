package dev.outpost.runtime;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Classification postprocessing: which output holds the class scores, how they become
 * probabilities, how many classes are reported, and their labels. Part of a {@link PipelineSpec}.
 *
 * <p>Raw output values are first multiplied by {@code scale} (for quantized outputs, e.g. 1/256 for
 * uint8 probabilities), then the {@link Activation} is applied. Output index {@code i} is class
 * {@code i - labelOffset}; indices below the offset (e.g. a background class at 0) are never reported.
 *
 * <p>Immutable and thread-safe.
 *
 * @param output the model output to read; empty means the model's only output
 * @param activation how scores become probabilities
 * @param topK how many classes are reported per image (&gt;= 1)
 * @param labels a labels file (one label per line, or ImageNet {@code synset.txt} lines), if any
 * @param labelOffset number of leading output entries that are not classes (&gt;= 0)
 * @param scale multiplier applied to raw output values before the activation (finite, non-zero)
 */
public record ClassificationSpec(Optional<String> output, Activation activation, int topK,
        Optional<Path> labels, int labelOffset, float scale) implements OutputSpec {

    /** How raw output values become scores. */
    public enum Activation {
        /** Softmax over the classes (the output is logits). */
        SOFTMAX,
        /** The values are already probabilities. */
        NONE,
        /** The values are log-probabilities; scores are {@code exp(value)}. */
        LOG_SOFTMAX,
        /** Independent sigmoid per class (multi-label logits). */
        SIGMOID
    }

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public ClassificationSpec {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(labels, "labels");
        if (topK < 1) {
            throw new IllegalArgumentException("top-k " + topK + " must be >= 1");
        }
        if (labelOffset < 0) {
            throw new IllegalArgumentException("label offset " + labelOffset + " must be >= 0");
        }
        if (!Float.isFinite(scale) || scale == 0f) {
            throw new IllegalArgumentException("scale " + scale + " must be finite and non-zero");
        }
    }
}
