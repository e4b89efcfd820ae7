package dev.outpost.runtime;

import java.util.Objects;

/**
 * One predicted class of an image.
 *
 * <p>Immutable and thread-safe.
 *
 * @param classIndex the class index (output index minus the label offset), &gt;= 0
 * @param label the class label, or the index as text when no labels are declared
 * @param score the class score after the declared activation (a probability for softmax / sigmoid)
 */
public record Classification(int classIndex, String label, float score) {

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public Classification {
        Objects.requireNonNull(label, "label");
        if (classIndex < 0) {
            throw new IllegalArgumentException("class index " + classIndex + " must be >= 0");
        }
    }
}
