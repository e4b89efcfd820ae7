package dev.outpost.optimizer.eval;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * How closely one output of a model follows the same output of a reference model, over every sample
 * of an evaluation.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the model's output
 * @param referenceName the reference model's output it was compared with (usually the same name)
 * @param valuesPerSample number of values compared for one sample (a classification output's declared
 *     label offset, e.g. a background class, is left out)
 * @param cosineMean mean over samples of the cosine similarity between the two outputs (1 = same direction)
 * @param cosineMin the lowest cosine similarity of any sample
 * @param sqnrDb signal-to-quantization-noise ratio over all samples, in dB:
 *     {@code 10 log10(sum(ref^2) / sum((ref - out)^2))}; positive infinity when the outputs are identical
 * @param maxAbsError the largest absolute difference of any value of any sample
 * @param agreementTop1 for vector-shaped outputs (one dimension besides the batch, e.g. class scores
 *     {@code [1,1000]} or {@code [1,1000,1,1]}): the fraction of samples whose largest value is at the
 *     same index in both outputs; empty for other shapes
 */
public record OutputFidelity(String name, String referenceName, int valuesPerSample, double cosineMean,
        double cosineMin, double sqnrDb, double maxAbsError, OptionalDouble agreementTop1) {

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public OutputFidelity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(referenceName, "referenceName");
        Objects.requireNonNull(agreementTop1, "agreementTop1");
        if (valuesPerSample < 0) {
            throw new IllegalArgumentException("values per sample " + valuesPerSample + " must be >= 0");
        }
    }
}
