package dev.outpost.optimizer;

import dev.outpost.model.Node;
import dev.outpost.model.Op;

/**
 * Bias correction: rounding a layer's weights shifts the expected value of each output channel by
 * {@code sum((W_q - W) * E[x])}; subtracting that shift from the bias removes the systematic part of
 * the error, which matters most for layers with few weights per channel (depthwise convolutions).
 * {@code E[x]} is the per-channel mean of the layer's input over the calibration data; zero padding
 * is ignored. Stateless.
 */
final class BiasCorrection {

    private BiasCorrection() {
    }

    /**
     * Corrects {@code bias} in place.
     *
     * @param node the Conv or Gemm (its group / transB attributes decide the layout)
     * @param weight the float weights; {@code quantized} their quantized form
     * @param mean the input's channel means (Conv: axis 1 of NCHW; Gemm: the K features)
     */
    static void correct(Node node, float[] bias, float[] weight, long[] dims, WeightQuantization.Quantized quantized,
            double[] mean) {
        QuantParams params = quantized.params();
        byte[] q = quantized.data();
        if (node.is(Op.CONV)) {
            int outChannels = (int) dims[0];
            int perGroupIn = (int) dims[1];
            int kernel = weight.length / (outChannels * perGroupIn);
            int group = (int) node.attributeInt("group", 1);
            int outPerGroup = outChannels / group;
            if (bias.length != outChannels || mean.length != perGroupIn * group) {
                return;
            }
            for (int co = 0; co < outChannels; co++) {
                int g = co / outPerGroup;
                double shift = 0;
                for (int ci = 0; ci < perGroupIn; ci++) {
                    double m = mean[g * perGroupIn + ci];
                    for (int k = 0; k < kernel; k++) {
                        int i = (co * perGroupIn + ci) * kernel + k;
                        shift += error(weight, q, params, i, co) * m;
                    }
                }
                bias[co] -= (float) shift;
            }
        } else if (node.is(Op.GEMM) && dims.length == 2) {
            boolean transB = node.attributeInt("transB", 0) != 0;
            int n = (int) (transB ? dims[0] : dims[1]);
            int k = (int) (transB ? dims[1] : dims[0]);
            if (bias.length != n || mean.length != k) {
                return;
            }
            for (int j = 0; j < n; j++) {
                double shift = 0;
                for (int i = 0; i < k; i++) {
                    int index = transB ? j * k + i : i * n + j;
                    shift += error(weight, q, params, index, j) * mean[i];
                }
                bias[j] -= (float) shift;
            }
        }
    }

    /** Dequantized minus original value of weight element {@code index} in output channel {@code channel}. */
    private static double error(float[] weight, byte[] q, QuantParams params, int index, int channel) {
        int c = params.perTensor() ? 0 : channel;
        double back = params.scale(c) * ((params.type() == QuantType.UINT8 ? q[index] & 0xFF : q[index])
                - params.zeroPoint(c));
        return back - weight[index];
    }
}
