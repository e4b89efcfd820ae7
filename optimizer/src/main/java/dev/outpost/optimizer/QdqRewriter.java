package dev.outpost.optimizer;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.Initializer;
import dev.outpost.model.Op;
import dev.outpost.model.TensorData;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a {@link QdqPlan} with calibrated ranges: absorbs the planned Relu/Clip nodes, puts a
 * QuantizeLinear/DequantizeLinear pair on every planned activation (all its readers then read the
 * dequantized tensor, graph outputs keep the float one), stores weights as 8-bit initializers behind
 * a DequantizeLinear (with {@code axis} when per channel; a weight shared by several nodes is stored
 * once), and biases as int32 with scale {@code inputScale * weightScale}. Stateful for one graph.
 */
final class QdqRewriter {

    /** How activations and weights are quantized. */
    record Types(QuantType activations, QuantType weights, boolean reduceRange) {
    }

    private final Graph graph;
    private final QdqPlan plan;
    private final Map<String, TensorRange> ranges;
    private final Map<String, double[]> channelMeans;
    private final Types types;
    private final Map<String, QuantParams> activationParams = new HashMap<>();
    private final Map<String, String[]> activationInitializers = new HashMap<>();
    private final Map<String, WeightQuantization.Quantized> quantizedWeights = new HashMap<>();
    private final Map<String, String> dequantizedConstants = new HashMap<>();

    private QdqRewriter(Graph graph, QdqPlan plan, Map<String, TensorRange> ranges, Map<String, double[]> channelMeans,
            Types types) {
        this.graph = graph;
        this.plan = plan;
        this.ranges = ranges;
        this.channelMeans = channelMeans;
        this.types = types;
    }

    /** A rewriter that only adds shadow copies (see {@link #shadowInput}); the graph's nodes stay as they are. */
    static QdqRewriter forShadows(Graph graph, QdqPlan plan, Map<String, TensorRange> ranges, Types types) {
        return new QdqRewriter(graph, plan, ranges, Map.of(), types);
    }

    /**
     * A quantize-dequantize copy of input {@code index} of {@code node} as the rewrite would make it
     * (activation through its Q/DQ parameters, weight through its 8-bit form), without rewiring any
     * reader; the input itself when the plan does not quantize it.
     */
    String shadowInput(dev.outpost.model.Node node, int index) {
        String tensor = node.input(index);
        for (QdqPlan.ConstantUse use : plan.weights) {
            if (use.node() == node && use.input() == index) {
                return dequantizedWeight(tensor, use.axis());
            }
        }
        String reader = plan.readerOf(tensor);
        if (!plan.activations.contains(reader)) {
            return tensor;
        }
        return dequantizedConstants.computeIfAbsent("shadow#" + reader, k -> {
            String[] names = parameterInitializers(reader);
            String quantized = graph.uniqueName(reader + "_shadow_quantized");
            String dequantized = graph.uniqueName(reader + "_shadow");
            graph.add(Op.QUANTIZE_LINEAR, List.of(reader, names[0], names[1]), List.of(quantized), Map.of());
            graph.add(Op.DEQUANTIZE_LINEAR, List.of(quantized, names[0], names[1]), List.of(dequantized), Map.of());
            return dequantized;
        });
    }

    /** Rewrites the graph in place. */
    static void apply(Graph graph, QdqPlan plan, Map<String, TensorRange> ranges, Map<String, double[]> channelMeans,
            Types types) {
        new QdqRewriter(graph, plan, ranges, channelMeans, types).run();
    }

    private void run() {
        plan.absorbed.forEach(graph::bypass);
        for (String tensor : plan.activations) {
            String[] names = parameterInitializers(tensor);
            String quantized = graph.uniqueName(tensor + "_quantized");
            String dequantized = graph.uniqueName(tensor + "_dequantized");
            graph.insertAfter(tensor, Op.QUANTIZE_LINEAR, List.of(names[0], names[1]), quantized, Map.of());
            graph.insertAfter(quantized, Op.DEQUANTIZE_LINEAR, List.of(names[0], names[1]), dequantized, Map.of());
        }
        for (QdqPlan.ConstantUse use : plan.constantActivations) {
            // a constant read as an activation (e.g. an Add's addend): asymmetric, per tensor, over its own range
            String source = use.node().input(use.input());
            Initializer init = graph.initializer(source).orElseThrow();
            String key = source + "#activation";
            WeightQuantization.Quantized q = quantizedWeights.computeIfAbsent(key, k -> WeightQuantization.quantize(
                    init.floats(), init.dims(), -1, types.activations(), false, false));
            use.node().setInput(use.input(), dequantizedConstant(key, source, init.dims(), q, -1));
        }
        for (QdqPlan.ConstantUse use : plan.weights) {
            use.node().setInput(use.input(), dequantizedWeight(use.node().input(use.input()), use.axis()));
        }
        for (QdqPlan.BiasUse use : plan.biases) {
            if (!plan.activations.contains(use.activation())) {
                continue;
            }
            String source = use.node().input(use.input());
            Initializer init = graph.initializer(source).orElseThrow();
            WeightQuantization.Quantized weight = quantizedWeights.get(weightKey(use.weight(), use.weightAxis()));
            float[] bias = init.floats();
            double[] mean = channelMeans.get(plan.rangeSource.getOrDefault(use.activation(), use.activation()));
            if (mean != null) {
                Initializer w = graph.initializer(use.weight()).orElseThrow();
                BiasCorrection.correct(use.node(), bias, w.floats(), w.dims(), weight, mean);
            }
            float[] scales = new float[bias.length];
            int[] quantized = WeightQuantization.quantizeBias(bias, params(use.activation()).scale(0),
                    weight.params(), scales);
            boolean perChannel = use.weightAxis() >= 0;
            String base = graph.uniqueName(source + "_quantized");
            graph.addInitializer(base, TensorData.ofInts(quantized, bias.length));
            String scale = graph.uniqueName(source + "_scale");
            String zero = graph.uniqueName(source + "_zero_point");
            graph.addInitializer(scale, perChannel ? TensorData.ofFloats(scales, scales.length)
                    : TensorData.ofFloats(new float[] {scales[0]}));
            graph.addInitializer(zero, perChannel ? TensorData.ofInts(new int[bias.length], bias.length)
                    : TensorData.ofInts(new int[] {0}));
            String out = graph.uniqueName(source + "_dequantized");
            graph.add(Op.DEQUANTIZE_LINEAR, List.of(base, scale, zero), List.of(out),
                    perChannel ? Map.of("axis", 0L) : Map.of());
            use.node().setInput(use.input(), out);
        }
        graph.sortTopologically();
        graph.removeUnusedInitializers();
    }

    /** The DequantizeLinear output of a weight quantized symmetric along {@code axis} (-1: per tensor). */
    private String dequantizedWeight(String source, int axis) {
        Initializer init = graph.initializer(source).orElseThrow();
        String key = weightKey(source, axis);
        WeightQuantization.Quantized q = quantizedWeights.computeIfAbsent(key, k -> WeightQuantization.quantize(
                init.floats(), init.dims(), axis, types.weights(), true, types.reduceRange()));
        return dequantizedConstant(key, source, init.dims(), q, axis);
    }

    private static String weightKey(String source, int axis) {
        return source + "#" + axis;
    }

    /** The DequantizeLinear output for a quantized constant, created once per (constant, axis). */
    private String dequantizedConstant(String key, String source, long[] dims, WeightQuantization.Quantized q,
            int axis) {
        return dequantizedConstants.computeIfAbsent(key, k -> {
            QuantParams params = q.params();
            String data = graph.uniqueName(source + "_quantized");
            graph.addInitializer(data, TensorData.ofBytes(params.type().elementType(), q.data(), dims));
            String scale = graph.uniqueName(source + "_scale");
            String zero = graph.uniqueName(source + "_zero_point");
            byte[] zeros = new byte[params.scales().length];
            int[] zp = params.zeroPoints();
            for (int i = 0; i < zeros.length; i++) {
                zeros[i] = (byte) zp[i];
            }
            if (params.perTensor()) {
                graph.addInitializer(scale, TensorData.ofFloats(params.scales()));
                graph.addInitializer(zero, TensorData.ofBytes(params.type().elementType(), zeros));
            } else {
                graph.addInitializer(scale, TensorData.ofFloats(params.scales(), zeros.length));
                graph.addInitializer(zero, TensorData.ofBytes(params.type().elementType(), zeros, zeros.length));
            }
            String out = graph.uniqueName(source + "_dequantized");
            graph.add(Op.DEQUANTIZE_LINEAR, List.of(data, scale, zero), List.of(out),
                    axis >= 0 ? Map.of("axis", (long) axis) : Map.of());
            return out;
        });
    }

    /** The parameters of a planned activation: its own range, or those of the tensor it passes through. */
    QuantParams params(String tensor) {
        QuantParams known = activationParams.get(tensor);
        if (known != null) {
            return known;
        }
        String same = plan.sameParamsAs.get(tensor);
        QuantParams params;
        if (same != null) {
            params = params(same);
        } else {
            TensorRange range = ranges.get(plan.rangeSource.getOrDefault(tensor, tensor));
            if (range == null) {
                throw new IllegalStateException("no calibrated range for " + tensor);
            }
            params = QuantParams.forRange(range.min(), range.max(), types.activations(), false, false);
        }
        activationParams.put(tensor, params);
        return params;
    }

    /** Scale and zero-point initializers of an activation; pass-through tensors share their source's. */
    private String[] parameterInitializers(String tensor) {
        String same = plan.sameParamsAs.get(tensor);
        if (same != null) {
            return parameterInitializers(same);
        }
        return activationInitializers.computeIfAbsent(tensor, t -> {
            QuantParams params = params(t);
            String scale = graph.uniqueName(t + "_scale");
            String zero = graph.uniqueName(t + "_zero_point");
            graph.addInitializer(scale, TensorData.scalar(params.scale(0)));
            ElementType type = params.type().elementType();
            graph.addInitializer(zero, TensorData.ofBytes(type, new byte[] {(byte) params.zeroPoint(0)}));
            return new String[] {scale, zero};
        });
    }
}
