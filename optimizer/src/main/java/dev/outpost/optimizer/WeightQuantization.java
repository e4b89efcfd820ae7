package dev.outpost.optimizer;

/**
 * Quantizes constant tensors: weights per tensor or per channel, and biases to int32 with the scale
 * {@code inputScale * weightScale} (REFERENCE-INFERENCE.md 2.2). Values are rounded half to even and
 * clipped to the type's range. Stateless.
 */
final class WeightQuantization {

    private WeightQuantization() {
    }

    /** Quantized bytes with the parameters that map them back. */
    record Quantized(byte[] data, QuantParams params) {
    }

    /**
     * Quantizes a weight tensor.
     *
     * @param values the float values in row-major order
     * @param dims the tensor's dimensions
     * @param axis the channel axis, or -1 for one scale for the whole tensor
     */
    static Quantized quantize(float[] values, long[] dims, int axis, QuantType type, boolean symmetric,
            boolean reduceRange) {
        int channels = axis < 0 ? 1 : (int) dims[axis];
        long inner = 1;
        for (int d = axis + 1; d < dims.length && axis >= 0; d++) {
            inner *= dims[d];
        }
        double[] min = new double[channels];
        double[] max = new double[channels];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < values.length; i++) {
            int c = channelOf(i, channels, inner);
            min[c] = Math.min(min[c], values[i]);
            max[c] = Math.max(max[c], values[i]);
        }
        float[] scales = new float[channels];
        int[] zeroPoints = new int[channels];
        for (int c = 0; c < channels; c++) {
            QuantParams p = QuantParams.forRange(finiteOr0(min[c]), finiteOr0(max[c]), type, symmetric, reduceRange);
            scales[c] = p.scale(0);
            zeroPoints[c] = p.zeroPoint(0);
        }
        int qmin = type.qmin(symmetric, reduceRange);
        int qmax = type.qmax(symmetric, reduceRange);
        byte[] data = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            int c = channelOf(i, channels, inner);
            data[i] = (byte) quantize(values[i], scales[c], zeroPoints[c], qmin, qmax);
        }
        return new Quantized(data, new QuantParams(type, scales, zeroPoints, axis));
    }

    /** The SQNR (dB) of symmetric int8 quantization of a weight, per tensor (axis -1) or per channel. */
    static double sqnrDb(float[] values, long[] dims, int axis) {
        Quantized q = quantize(values, dims, axis, QuantType.INT8, true, false);
        int channels = axis < 0 ? 1 : (int) dims[axis];
        long inner = 1;
        for (int d = axis + 1; d < dims.length && axis >= 0; d++) {
            inner *= dims[d];
        }
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < values.length; i++) {
            int c = channelOf(i, channels, inner);
            double back = q.params().scale(c) * (q.data()[i] - q.params().zeroPoint(c));
            signal += (double) values[i] * values[i];
            noise += (back - values[i]) * (back - values[i]);
        }
        return noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
    }

    /** The int32 bias for an input scale and (per-channel or per-tensor) weight scales. */
    static int[] quantizeBias(float[] bias, float inputScale, QuantParams weight, float[] biasScalesOut) {
        int[] out = new int[bias.length];
        for (int c = 0; c < bias.length; c++) {
            double scale = (double) inputScale * weight.scale(weight.perTensor() ? 0 : c);
            biasScalesOut[c] = (float) scale;
            double q = Math.rint(bias[c] / (float) scale);
            out[c] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
        }
        return out;
    }

    static int quantize(float value, float scale, int zeroPoint, int qmin, int qmax) {
        double q = Math.rint(value / scale) + zeroPoint;
        return (int) Math.max(qmin, Math.min(qmax, q));
    }

    private static int channelOf(int index, int channels, long inner) {
        return channels == 1 ? 0 : (int) ((index / inner) % channels);
    }

    private static double finiteOr0(double v) {
        return Double.isFinite(v) ? v : 0.0;
    }
}
