package dev.outpost.optimizer.eval;

/**
 * A ground-truth or predicted box in image pixels ({@code x1, y1} top-left, {@code x2, y2}
 * bottom-right, continuous coordinates: area is width times height, no +1).
 *
 * @param classIndex the 0-based class
 * @param x1 left
 * @param y1 top
 * @param x2 right, &gt;= x1
 * @param y2 bottom, &gt;= y1
 */
record Box(int classIndex, double x1, double y1, double x2, double y2) {

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    Box {
        if (classIndex < 0 || !(x2 >= x1) || !(y2 >= y1)) {
            throw new IllegalArgumentException("invalid box: class " + classIndex + ", (" + x1 + ", " + y1
                    + ") - (" + x2 + ", " + y2 + ")");
        }
    }

    /** Intersection over union (0 when either box is empty). */
    double iou(Box other) {
        double ix = Math.min(x2, other.x2) - Math.max(x1, other.x1);
        double iy = Math.min(y2, other.y2) - Math.max(y1, other.y1);
        if (ix <= 0 || iy <= 0) {
            return 0;
        }
        double intersection = ix * iy;
        double union = (x2 - x1) * (y2 - y1) + (other.x2 - other.x1) * (other.y2 - other.y1) - intersection;
        return union <= 0 ? 0 : intersection / union;
    }
}
