package dev.outpost.optimizer;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Shape;
import dev.outpost.model.ValueType;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-node sensitivity to quantization: for every node the plan quantizes, the SQNR (dB) of its output
 * computed from quantized inputs and weights against its fp32 output, on calibration data. One run per
 * sample measures all nodes at once: a shadow copy of each node, reading quantize-dequantized copies of
 * its inputs (taken from the fp32 graph, so errors do not accumulate), sits beside the original and both
 * outputs are exposed. A low SQNR marks a node whose quantization costs most; mixed precision keeps
 * those in float first.
 */
final class Sensitivity {

    private Sensitivity() {
    }

    /** One node's sensitivity. */
    record NodeSqnr(String node, String label, double sqnrDb) {
    }

    /**
     * The SQNR of every quantized node, lowest (most sensitive) first.
     *
     * @param samples how many calibration samples to run (the first ones)
     */
    static List<NodeSqnr> measure(InferenceEngine engine, OnnxModel model, java.util.function.Function<Graph, QdqPlan> planner,
            Map<String, TensorRange> ranges, QdqRewriter.Types types, CalibrationData data, int samples) {
        OnnxModel shadow = model.copy();
        Graph graph = shadow.graph();
        QdqPlan shadowPlan = planner.apply(graph);
        QdqRewriter rewriter = QdqRewriter.forShadows(graph, shadowPlan, ranges, types);
        Map<String, String[]> pairs = new LinkedHashMap<>();
        Set<String> outputs = new LinkedHashSet<>();
        graph.outputs().forEach(o -> outputs.add(o.name()));
        for (Node node : shadowPlan.quantizedNodes) {
            if (node.outputCount() != 1 || node.output(0).isEmpty()) {
                continue;
            }
            List<String> inputs = new ArrayList<>();
            for (int i = 0; i < node.inputCount(); i++) {
                inputs.add(node.input(i).isEmpty() ? "" : rewriter.shadowInput(node, i));
            }
            String copy = graph.uniqueName(node.output(0) + "_sensitivity");
            graph.add(node.op().orElseThrow(), inputs, List.of(copy), node.attributes());
            pairs.put(node.name(), new String[] {node.output(0), copy, node.label()});
            for (String tensor : List.of(node.output(0), copy)) {
                if (outputs.add(tensor)) {
                    graph.addOutput(tensor, new ValueType.TensorType(ElementType.FLOAT, Shape.unknownRank()));
                }
            }
        }
        graph.sortTopologically();
        Map<String, double[]> energy = new LinkedHashMap<>();
        pairs.keySet().forEach(name -> energy.put(name, new double[2]));
        SessionConfig config = SessionConfig.builder().optimizationLevel(SessionConfig.OptimizationLevel.NONE).build();
        try (ModelSession session = engine.open(shadow.toBytes(), config)) {
            for (int s = 0; s < Math.min(samples, data.size()); s++) {
                Map<String, Tensor> sample = data.sample(s);
                try (Outputs out = session.run(sample)) {
                    for (Map.Entry<String, String[]> pair : pairs.entrySet()) {
                        FloatBuffer reference = out.get(pair.getValue()[0]).floatBuffer();
                        FloatBuffer quantized = out.get(pair.getValue()[1]).floatBuffer();
                        double[] e = energy.get(pair.getKey());
                        for (int i = 0; i < reference.limit(); i++) {
                            double r = reference.get(i);
                            double d = r - quantized.get(i);
                            e[0] += r * r;
                            e[1] += d * d;
                        }
                    }
                } finally {
                    sample.values().forEach(Tensor::close);
                }
            }
        }
        List<NodeSqnr> result = new ArrayList<>();
        pairs.forEach((name, pair) -> {
            double[] e = energy.get(name);
            double sqnr = e[1] == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(e[0] / e[1]);
            result.add(new NodeSqnr(name, pair[2], sqnr));
        });
        result.sort(Comparator.comparingDouble(NodeSqnr::sqnrDb));
        return result;
    }
}
