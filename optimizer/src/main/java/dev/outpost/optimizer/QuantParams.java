package dev.outpost.optimizer;

import java.util.Arrays;

/**
 * The affine mapping {@code real = scale * (q - zeroPoint)} of one tensor: one scale and zero point per
 * tensor, or one per channel along {@link #axis()}. Computed as ONNX Runtime's quantizer does
 * (REFERENCE-INFERENCE.md 2.2): the range is widened to include zero (so zero padding is exact), made
 * symmetric when asked, the scale computed in double precision, and values rounded half to even.
 *
 * <p>Immutable (arrays are copied in and out) and thread-safe.
 *
 * @param type the integer type
 * @param scales one scale, or one per channel
 * @param zeroPoints one zero point, or one per channel
 * @param axis the channel axis, or -1 for per-tensor parameters
 */
public record QuantParams(QuantType type, float[] scales, int[] zeroPoints, int axis) {

    /** Validates lengths. */
    public QuantParams {
        scales = scales.clone();
        zeroPoints = zeroPoints.clone();
        if (scales.length != zeroPoints.length || scales.length == 0) {
            throw new IllegalArgumentException("need as many scales as zero points (at least one); received "
                    + scales.length + " and " + zeroPoints.length);
        }
        if (axis < 0 && scales.length != 1) {
            throw new IllegalArgumentException("per-tensor parameters need one scale; received " + scales.length);
        }
    }

    /** Per-tensor parameters for the real range {@code [rmin, rmax]}. */
    public static QuantParams forRange(double rmin, double rmax, QuantType type, boolean symmetric,
            boolean reduceRange) {
        int qmin = type.qmin(symmetric, reduceRange);
        int qmax = type.qmax(symmetric, reduceRange);
        double lo = Math.min(rmin, 0.0);
        double hi = Math.max(rmax, 0.0);
        if (symmetric) {
            double absMax = Math.max(Math.abs(lo), Math.abs(hi));
            lo = -absMax;
            hi = absMax;
        }
        double scale = (hi - lo) / (qmax - qmin);
        int zeroPoint;
        if (!(scale >= Float.MIN_NORMAL) || !Double.isFinite(scale)) {
            scale = 1.0;
            zeroPoint = symmetric ? (int) Math.rint((qmin + qmax) / 2.0) : Math.max(qmin, Math.min(qmax, 0));
        } else if (symmetric) {
            zeroPoint = (int) Math.rint((qmin + qmax) / 2.0);
        } else {
            zeroPoint = (int) Math.max(qmin, Math.min(qmax, Math.rint(qmin - lo / scale)));
        }
        return new QuantParams(type, new float[] {(float) scale}, new int[] {zeroPoint}, -1);
    }

    /** True when there is one scale for the whole tensor. */
    public boolean perTensor() {
        return axis < 0;
    }

    /** The scale of a channel (or the only scale). */
    public float scale(int channel) {
        return scales[perTensor() ? 0 : channel];
    }

    /** The zero point of a channel (or the only one). */
    public int zeroPoint(int channel) {
        return zeroPoints[perTensor() ? 0 : channel];
    }

    /** The real range these parameters represent for channel 0 (per-tensor: the whole range). */
    public double[] realRange(boolean symmetric, boolean reduceRange) {
        int qmin = type.qmin(symmetric, reduceRange);
        int qmax = type.qmax(symmetric, reduceRange);
        return new double[] {scales[0] * (double) (qmin - zeroPoints[0]), scales[0] * (double) (qmax - zeroPoints[0])};
    }

    @Override
    public float[] scales() {
        return scales.clone();
    }

    @Override
    public int[] zeroPoints() {
        return zeroPoints.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof QuantParams that && type == that.type && axis == that.axis
                && Arrays.equals(scales, that.scales) && Arrays.equals(zeroPoints, that.zeroPoints);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type.hashCode() + Arrays.hashCode(scales)) + Arrays.hashCode(zeroPoints) + axis;
    }

    @Override
    public String toString() {
        return perTensor() ? type + " scale " + scales[0] + " zero point " + zeroPoints[0]
                : type + " per channel (axis " + axis + ", " + scales.length + " channels)";
    }
}
