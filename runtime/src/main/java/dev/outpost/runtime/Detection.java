package dev.outpost.runtime;

import java.util.Objects;

/**
 * One detected object, with its box in the original image's pixels ({@code x1, y1} top-left,
 * {@code x2, y2} bottom-right, continuous coordinates: a box covering the whole {@code w x h} image
 * is {@code 0, 0, w, h}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param classIndex the class index, &gt;= 0
 * @param label the class label, or the index as text when no labels are declared
 * @param score the detection score (0..1)
 * @param x1 left edge
 * @param y1 top edge
 * @param x2 right edge, &gt;= x1
 * @param y2 bottom edge, &gt;= y1
 */
public record Detection(int classIndex, String label, float score, float x1, float y1, float x2, float y2) {

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public Detection {
        Objects.requireNonNull(label, "label");
        if (classIndex < 0) {
            throw new IllegalArgumentException("class index " + classIndex + " must be >= 0");
        }
        if (!(x2 >= x1) || !(y2 >= y1)) {
            throw new IllegalArgumentException("box (" + x1 + ", " + y1 + ", " + x2 + ", " + y2
                    + ") must have x2 >= x1 and y2 >= y1");
        }
    }

    /** Width of the box. */
    public float width() {
        return x2 - x1;
    }

    /** Height of the box. */
    public float height() {
        return y2 - y1;
    }

    /** Intersection over union with another box (0 when either box is empty). */
    public float iou(Detection other) {
        float ix = Math.min(x2, other.x2) - Math.max(x1, other.x1);
        float iy = Math.min(y2, other.y2) - Math.max(y1, other.y1);
        if (ix <= 0 || iy <= 0) {
            return 0f;
        }
        float intersection = ix * iy;
        float union = width() * height() + other.width() * other.height() - intersection;
        return union <= 0 ? 0f : intersection / union;
    }
}
