package dev.outpost.optimizer;

/**
 * The real range chosen for one activation tensor by calibration, with the extremes actually seen.
 *
 * @param min the lower end of the range to quantize
 * @param max the upper end of the range to quantize
 * @param seenMin the smallest value seen
 * @param seenMax the largest value seen
 */
public record TensorRange(double min, double max, double seenMin, double seenMax) {

    /** A range equal to what was seen. */
    public static TensorRange seen(double min, double max) {
        return new TensorRange(min, max, min, max);
    }

    /** The fraction of the seen span the range keeps (1 for MinMax). */
    public double kept() {
        double seen = seenMax - seenMin;
        return seen > 0 ? (max - min) / seen : 1.0;
    }
}
