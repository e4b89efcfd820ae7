package dev.outpost.optimizer.probe;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.TensorData;
import dev.outpost.model.ValueInfo;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Does dynamic int8 pay for a convolution? (Not a test; run by {@code scripts/bench-dynamic-conv.sh}.)
 * One 3x3 convolution of C channels on an H x H map, fp32 against the dynamic pattern
 * (DynamicQuantizeLinear, ConvInteger with int8 weights, Cast, Mul by the two scales), one thread,
 * blocks of 60 runs alternating; prints each block's p50s and their ratio.
 *
 * <p>Arguments: C H [BLOCKS] (default 3 blocks).
 */
public final class DynamicConvProbe {

    private DynamicConvProbe() {
    }

    public static void main(String[] args) {
        int channels = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]);
        int blocks = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Random random = new Random(1);
        float[] weights = new float[channels * channels * 9];
        byte[] quantized = new byte[weights.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.05f;
            quantized[i] = (byte) Math.max(-127, Math.min(127, Math.round(weights[i] / 0.002f)));
        }
        Map<String, Object> pads = Map.of("pads", new long[] {1, 1, 1, 1});
        OnnxModel fp32 = OnnxModel.create("conv_fp32", 17);
        Graph f = fp32.graph();
        f.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, channels, size, size));
        f.addInitializer("w", TensorData.ofFloats(weights, channels, channels, 3, 3));
        f.add(Op.CONV, List.of("x", "w"), List.of("y"), pads);
        f.addOutput(ValueInfo.of("y", ElementType.FLOAT, 1, channels, size, size));
        OnnxModel dynamic = OnnxModel.create("conv_dynamic", 17);
        Graph d = dynamic.graph();
        d.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, channels, size, size));
        d.addInitializer("wq", TensorData.ofBytes(ElementType.INT8, quantized, channels, channels, 3, 3));
        d.addInitializer("ws", TensorData.scalar(0.002f));
        d.add(Op.DYNAMIC_QUANTIZE_LINEAR, List.of("x"), List.of("xq", "xs", "xz"), Map.of());
        d.add(Op.CONV_INTEGER, List.of("xq", "wq", "xz"), List.of("yi"), pads);
        d.add(Op.CAST, List.of("yi"), List.of("yf"), Map.of("to", 1L));
        d.add(Op.MUL, List.of("xs", "ws"), List.of("s"), Map.of());
        d.add(Op.MUL, List.of("yf", "s"), List.of("y"), Map.of());
        d.addOutput(ValueInfo.of("y", ElementType.FLOAT, 1, channels, size, size));
        SessionConfig oneThread = SessionConfig.builder().intraOpThreads(1).spinning(false).build();
        try (InferenceEngine engine = InferenceEngine.create();
                ModelSession floatConv = engine.open(fp32.toBytes(), oneThread);
                ModelSession dynamicConv = engine.open(dynamic.toBytes(), oneThread);
                Tensor x = Tensor.allocate(DType.FLOAT32, 1, channels, size, size)) {
            FloatBuffer values = x.buffer().asFloatBuffer();
            for (int i = 0; i < values.capacity(); i++) {
                values.put(i, (float) random.nextGaussian());
            }
            Map<String, Tensor> inputs = Map.of("x", x);
            for (int block = 0; block < blocks; block++) {
                double fp32P50 = p50(floatConv, inputs);
                double dynamicP50 = p50(dynamicConv, inputs);
                System.out.printf(java.util.Locale.ROOT, "C=%d H=%d block %d: fp32 Conv %.3f ms, dynamic ConvInteger"
                        + " %.3f ms, dynamic/fp32 %.2f%n", channels, size, block, fp32P50, dynamicP50, dynamicP50 / fp32P50);
            }
        }
    }

    private static double p50(ModelSession session, Map<String, Tensor> inputs) {
        long[] times = new long[60];
        for (int i = 0; i < times.length; i++) {
            long start = System.nanoTime();
            try (Outputs outputs = session.run(inputs)) {
                times[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(times);
        return times[times.length / 2] / 1e6;
    }
}
