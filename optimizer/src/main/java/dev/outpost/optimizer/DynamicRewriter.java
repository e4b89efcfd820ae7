package dev.outpost.optimizer;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.Initializer;
import dev.outpost.model.Node;
import dev.outpost.model.Op;
import dev.outpost.model.TensorData;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dynamic int8 quantization of MatMul and Gemm nodes with constant weights, in the pattern ONNX
 * Runtime's {@code quantize_dynamic} emits and its graph optimizer fuses into
 * {@code DynamicQuantizeMatMul} / {@code MatMulIntegerToFloat} (REFERENCE-INFERENCE.md 2.4):
 * {@code DynamicQuantizeLinear(x)} (shared by every node reading x), {@code MatMulInteger} with the
 * int8 weight (per column when per-channel), {@code Cast} to float, and {@code Mul} by
 * {@code x_scale * w_scale}; a Gemm's alpha is folded into the weight scale and its bias added after.
 * Stateless.
 */
final class DynamicRewriter {

    private DynamicRewriter() {
    }

    /** What was quantized and what was kept float. */
    record Summary(Map<String, Integer> quantizedOps, Map<String, String> keptFloat) {
    }

    static Summary apply(Graph graph, QuantizationOptions options) {
        Map<String, Integer> quantized = new LinkedHashMap<>();
        Map<String, String> kept = new LinkedHashMap<>();
        Map<String, String[]> dynamicInputs = new HashMap<>();
        for (Node node : List.copyOf(graph.topologicalOrder())) {
            if (!node.domain().isEmpty()) {
                continue;
            }
            if (node.is(Op.GATHER) && gatherTable(graph, node)) {
                if (!options.excludeNodes().contains(node.name()) && !options.excludeOps().contains("Gather")) {
                    quantizeGather(graph, node, options);
                    quantized.merge("Gather", 1, Integer::sum);
                }
                continue;
            }
            boolean matMul = node.is(Op.MAT_MUL);
            boolean gemm = node.is(Op.GEMM);
            if (!matMul && !gemm) {
                if (node.is(Op.CONV)) {
                    kept.put(node.label(), "dynamic mode quantizes MatMul and Gemm; use --int8 static for Conv");
                }
                continue;
            }
            if (options.excludeNodes().contains(node.name()) || options.excludeOps().contains(node.opType())) {
                kept.put(node.label(), "excluded");
                continue;
            }
            Initializer weight = graph.initializer(node.input(1)).orElse(null);
            if (weight == null || weight.elementType() != ElementType.FLOAT || weight.dims().length != 2
                    || graph.isInitializer(node.input(0))) {
                kept.put(node.label(), "its B input is not a 2-D float constant");
                continue;
            }
            if (gemm && node.attributeInt("transA", 0) != 0) {
                kept.put(node.label(), "Gemm with transA");
                continue;
            }
            String opType = node.opType();
            rewrite(graph, node, weight, gemm, options, dynamicInputs);
            quantized.merge(opType, 1, Integer::sum);
        }
        graph.sortTopologically();
        graph.removeUnusedInitializers();
        return new Summary(quantized, kept);
    }

    private static void rewrite(Graph graph, Node node, Initializer weight, boolean gemm, QuantizationOptions options,
            Map<String, String[]> dynamicInputs) {
        float[] w = weight.floats();
        long rows = weight.dims()[0];
        long cols = weight.dims()[1];
        if (gemm && node.attributeInt("transB", 0) != 0) {
            w = transpose(w, (int) rows, (int) cols);
            long t = rows;
            rows = cols;
            cols = t;
        }
        int axis = options.perChannel() ? 1 : -1;
        WeightQuantization.Quantized q = WeightQuantization.quantize(w, new long[] {rows, cols}, axis,
                options.weights(), true, options.effectiveReduceRange());
        QuantParams params = q.params();
        float alpha = gemm ? node.attributeFloat("alpha", 1f) : 1f;
        float[] scales = params.scales();
        for (int i = 0; i < scales.length; i++) {
            scales[i] *= alpha;
        }
        String base = weight.name();
        String wq = graph.uniqueName(base + "_quantized");
        graph.addInitializer(wq, TensorData.ofBytes(params.type().elementType(), q.data(), rows, cols));
        String wzp = graph.uniqueName(base + "_zero_point");
        byte[] zeros = new byte[scales.length];
        int[] zp = params.zeroPoints();
        for (int i = 0; i < zeros.length; i++) {
            zeros[i] = (byte) zp[i];
        }
        String ws = graph.uniqueName(base + "_scale");
        if (axis < 0) {
            graph.addInitializer(wzp, TensorData.ofBytes(params.type().elementType(), zeros));
            graph.addInitializer(ws, TensorData.ofFloats(scales));
        } else {
            graph.addInitializer(wzp, TensorData.ofBytes(params.type().elementType(), zeros, zeros.length));
            graph.addInitializer(ws, TensorData.ofFloats(scales, scales.length));
        }
        String x = node.input(0);
        String[] dq = dynamicInputs.computeIfAbsent(x, input -> {
            String xq = graph.uniqueName(input + "_quantized");
            String xs = graph.uniqueName(input + "_scale");
            String xzp = graph.uniqueName(input + "_zero_point");
            graph.add(Op.DYNAMIC_QUANTIZE_LINEAR, List.of(input), List.of(xq, xs, xzp), Map.of());
            return new String[] {xq, xs, xzp};
        });
        String output = node.output(0);
        String bias = gemm && node.inputCount() > 2 ? node.input(2) : "";
        float beta = gemm ? node.attributeFloat("beta", 1f) : 1f;
        graph.remove(node);
        String integer = graph.uniqueName(output + "_MatMulInteger");
        String asFloat = graph.uniqueName(output + "_cast");
        String scale = graph.uniqueName(output + "_scale");
        graph.add(Op.MAT_MUL_INTEGER, List.of(dq[0], wq, dq[2], wzp), List.of(integer), Map.of());
        graph.add(Op.CAST, List.of(integer), List.of(asFloat), Map.of("to", (long) ElementType.FLOAT.code()));
        graph.add(Op.MUL, List.of(dq[1], ws), List.of(scale), Map.of());
        if (bias.isEmpty()) {
            graph.add(Op.MUL, List.of(asFloat, scale), List.of(output), Map.of());
            return;
        }
        String product = graph.uniqueName(output + "_unbiased");
        graph.add(Op.MUL, List.of(asFloat, scale), List.of(product), Map.of());
        String addend = bias;
        if (beta != 1f) {
            Initializer c = graph.initializer(bias).orElseThrow(() -> new OptimizerException(
                    OptimizerException.Code.UNSUPPORTED_MODEL, "Gemm " + output + ": beta " + beta
                            + " with a non-constant C is not supported by dynamic quantization"));
            float[] values = c.floats();
            for (int i = 0; i < values.length; i++) {
                values[i] *= beta;
            }
            addend = graph.uniqueName(bias + "_scaled");
            graph.addInitializer(addend, TensorData.ofFloats(values, c.dims()));
        }
        graph.add(Op.ADD, List.of(product, addend), List.of(output), Map.of());
    }

    /** A Gather from a float constant table of at least 1024 values (an embedding). */
    private static boolean gatherTable(Graph graph, Node node) {
        boolean graphOutput = graph.outputs().stream().anyMatch(o -> o.name().equals(node.output(0)));
        return !graphOutput && graph.initializer(node.input(0))
                .filter(t -> t.elementType() == ElementType.FLOAT && t.elementCount() >= 1024 && t.dims().length >= 2)
                .isPresent();
    }

    /**
     * An embedding table stored as int8 (one symmetric scale for the table): the Gather picks int8 rows
     * and a DequantizeLinear turns only those into float, so the table costs a quarter of its size.
     */
    private static void quantizeGather(Graph graph, Node node, QuantizationOptions options) {
        Initializer table = graph.initializer(node.input(0)).orElseThrow();
        WeightQuantization.Quantized q = WeightQuantization.quantize(table.floats(), table.dims(), -1,
                QuantType.INT8, true, false);
        String name = table.name();
        String data = graph.uniqueName(name + "_quantized");
        graph.addInitializer(data, TensorData.ofBytes(ElementType.INT8, q.data(), table.dims()));
        String scale = graph.uniqueName(name + "_scale");
        graph.addInitializer(scale, TensorData.ofFloats(new float[] {q.params().scale(0)}));
        String zero = graph.uniqueName(name + "_zero_point");
        graph.addInitializer(zero, TensorData.ofBytes(ElementType.INT8, new byte[] {0}));
        String output = node.output(0);
        node.setInput(0, data);
        graph.insertAfter(output, Op.DEQUANTIZE_LINEAR, List.of(scale, zero),
                graph.uniqueName(output + "_dequantized"), Map.of());
    }

    private static float[] transpose(float[] values, int rows, int cols) {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        return out;
    }
}
