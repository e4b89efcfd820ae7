package dev.outpost.model;

import dev.outpost.model.proto.Onnx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Estimates peak activation memory: nodes run one at a time in topological order; a tensor is live from
 * its producer (graph inputs: from the start) until its last consumer (graph outputs: to the end); the
 * peak is the largest sum of live bytes while a node runs (its inputs and outputs included). Internal.
 */
final class ActivationMemoryEstimator {

    private ActivationMemoryEstimator() {
    }

    static ModelReport.ActivationMemory estimate(Onnx.GraphProto graph, List<Onnx.NodeProto> order,
                                                 InferredTypes types) {
        Set<String> weights = new HashSet<>();
        graph.getInitializerList().forEach(tensor -> weights.add(tensor.getName()));
        Map<String, Integer> birth = new LinkedHashMap<>();
        for (Onnx.ValueInfoProto input : graph.getInputList()) {
            if (!weights.contains(input.getName())) {
                birth.put(input.getName(), 0);
            }
        }
        for (int i = 0; i < order.size(); i++) {
            Onnx.NodeProto node = order.get(i);
            for (String output : node.getOutputList()) {
                if (output.isEmpty()) {
                    continue;
                }
                if (node.getOpType().equals("Constant") && node.getDomain().isEmpty()) {
                    weights.add(output);
                } else {
                    birth.put(output, i);
                }
            }
        }
        Map<String, Integer> death = new HashMap<>(birth);
        for (int i = 0; i < order.size(); i++) {
            for (String input : order.get(i).getInputList()) {
                if (death.containsKey(input)) {
                    death.put(input, Math.max(death.get(input), i));
                }
            }
        }
        for (Onnx.ValueInfoProto output : graph.getOutputList()) {
            if (death.containsKey(output.getName())) {
                death.put(output.getName(), Math.max(order.size() - 1, 0));
            }
        }
        long[] delta = new long[order.size() + 1];
        List<String> excluded = new ArrayList<>();
        boolean assumed = false;
        for (Map.Entry<String, Integer> tensor : birth.entrySet()) {
            TypeAndShape value = types.find(tensor.getKey()).orElse(null);
            if (value == null || value.elementType().bits() == 0) {
                excluded.add(tensor.getKey());
                continue;
            }
            assumed |= MacCounter.symbolic(value.shape());
            long bytes = value.elementType().bytesFor(MacCounter.product(value.shape().dims()));
            delta[tensor.getValue()] = Math.addExact(delta[tensor.getValue()], bytes);
            delta[death.get(tensor.getKey()) + 1] = Math.subtractExact(delta[death.get(tensor.getKey()) + 1], bytes);
        }
        long live = 0;
        long peak = 0;
        String peakNode = "";
        for (int i = 0; i < order.size(); i++) {
            live = Math.addExact(live, delta[i]);
            if (live > peak) {
                peak = live;
                Onnx.NodeProto node = order.get(i);
                peakNode = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
            }
        }
        return new ModelReport.ActivationMemory(peak, peakNode, assumed, excluded);
    }
}
