package dev.outpost.model;

import dev.outpost.model.proto.Onnx.AttributeProto;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.GraphProtoOrBuilder;
import dev.outpost.model.proto.Onnx.NodeProto;
import dev.outpost.model.proto.Onnx.NodeProtoOrBuilder;
import dev.outpost.model.proto.Onnx.TensorProto;
import dev.outpost.model.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Graph algorithms shared by {@link Graph} and {@link ModelValidator}: topological sorting with
 * cycle extraction, and the outer-scope names a subgraph (If/Loop/Scan body) reads. Stateless and
 * thread-safe.
 */
final class Topology {

    private Topology() {
    }

    /**
     * Result of a sort: {@code order} lists node indices, producers before consumers and otherwise in
     * stored order; when the graph has a cycle, {@code cycle} lists the node indices on one cycle.
     */
    record Sorted(List<Integer> order, List<Integer> cycle) {
        boolean hasCycle() {
            return !cycle.isEmpty();
        }
    }

    /** Sorts nodes given each node's consumed names (inputs plus subgraph outer references) and outputs. */
    static Sorted sort(List<? extends Set<String>> reads, List<? extends List<String>> writes) {
        int count = reads.size();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < count; i++) {
            for (String output : writes.get(i)) {
                if (!output.isEmpty()) {
                    producer.putIfAbsent(output, i);
                }
            }
        }
        List<List<Integer>> successors = new ArrayList<>();
        int[] pending = new int[count];
        for (int i = 0; i < count; i++) {
            successors.add(new ArrayList<>());
        }
        for (int i = 0; i < count; i++) {
            Set<Integer> predecessors = new HashSet<>();
            for (String input : reads.get(i)) {
                Integer from = producer.get(input);
                if (from != null && predecessors.add(from)) {
                    successors.get(from).add(i);
                    pending[i]++;
                }
            }
        }
        java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
        for (int i = 0; i < count; i++) {
            if (pending[i] == 0) {
                ready.add(i);
            }
        }
        List<Integer> order = new ArrayList<>(count);
        while (!ready.isEmpty()) {
            int next = ready.poll();
            order.add(next);
            for (int successor : successors.get(next)) {
                if (--pending[successor] == 0) {
                    ready.add(successor);
                }
            }
        }
        if (order.size() == count) {
            return new Sorted(order, List.of());
        }
        return new Sorted(order, findCycle(pending, successors));
    }

    /**
     * Every node Kahn's algorithm could not place has a predecessor it could not place either, so
     * walking predecessors from one must repeat a node: that loop is a cycle (returned in data-flow order,
     * starting at its first stored node).
     */
    private static List<Integer> findCycle(int[] pending, List<List<Integer>> successors) {
        int count = pending.length;
        List<List<Integer>> predecessors = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            predecessors.add(new ArrayList<>());
        }
        for (int from = 0; from < count; from++) {
            for (int to : successors.get(from)) {
                predecessors.get(to).add(from);
            }
        }
        int current = -1;
        for (int i = 0; i < count; i++) {
            if (pending[i] > 0) {
                current = i;
                break;
            }
        }
        List<Integer> path = new ArrayList<>();
        Map<Integer, Integer> seenAt = new HashMap<>();
        while (!seenAt.containsKey(current)) {
            seenAt.put(current, path.size());
            path.add(current);
            int previous = -1;
            for (int candidate : predecessors.get(current)) {
                if (pending[candidate] > 0) {
                    previous = candidate;
                    break;
                }
            }
            current = previous;
        }
        List<Integer> cycle = new ArrayList<>(path.subList(seenAt.get(current), path.size()));
        java.util.Collections.reverse(cycle);
        java.util.Collections.rotate(cycle, -cycle.indexOf(java.util.Collections.min(cycle)));
        return List.copyOf(cycle);
    }

    /** The names a node reads: its non-empty inputs plus what its subgraphs read from outer scopes. */
    static Set<String> reads(NodeProtoOrBuilder node) {
        Set<String> names = new LinkedHashSet<>();
        for (String input : node.getInputList()) {
            if (!input.isEmpty()) {
                names.add(input);
            }
        }
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.hasG()) {
                names.addAll(outerReferences(attribute.getG()));
            }
            for (GraphProto sub : attribute.getGraphsList()) {
                names.addAll(outerReferences(sub));
            }
        }
        return names;
    }

    /** Names a subgraph uses that it does not define itself (it reads them from an enclosing graph). */
    static Set<String> outerReferences(GraphProtoOrBuilder graph) {
        Set<String> defined = definedNames(graph);
        Set<String> outer = new LinkedHashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            for (String name : reads(node)) {
                if (!defined.contains(name)) {
                    outer.add(name);
                }
            }
        }
        for (ValueInfoProto output : graph.getOutputList()) {
            if (!defined.contains(output.getName())) {
                outer.add(output.getName());
            }
        }
        return outer;
    }

    static Set<String> definedNames(GraphProtoOrBuilder graph) {
        Set<String> defined = new HashSet<>();
        graph.getInputList().forEach(input -> defined.add(input.getName()));
        graph.getInitializerList().forEach(tensor -> defined.add(tensor.getName()));
        graph.getSparseInitializerList().forEach(sparse -> defined.add(sparse.getValues().getName()));
        for (NodeProto node : graph.getNodeList()) {
            node.getOutputList().forEach(defined::add);
        }
        return defined;
    }

    /** Renames {@code from} to {@code to} inside a subgraph where it refers to the outer scope (not shadowed). */
    static void renameOuter(GraphProto.Builder graph, String from, String to) {
        if (definedNames(graph).contains(from)) {
            return;
        }
        for (NodeProto.Builder node : graph.getNodeBuilderList()) {
            renameInputs(node, from, to);
        }
        for (ValueInfoProto.Builder output : graph.getOutputBuilderList()) {
            if (output.getName().equals(from)) {
                output.setName(to);
            }
        }
    }

    /** Renames {@code from} in a node's inputs and in what its subgraphs read from outside. */
    static void renameInputs(NodeProto.Builder node, String from, String to) {
        for (int i = 0; i < node.getInputCount(); i++) {
            if (node.getInput(i).equals(from)) {
                node.setInput(i, to);
            }
        }
        for (AttributeProto.Builder attribute : node.getAttributeBuilderList()) {
            if (attribute.hasG()) {
                renameOuter(attribute.getGBuilder(), from, to);
            }
            for (GraphProto.Builder sub : attribute.getGraphsBuilderList()) {
                renameOuter(sub, from, to);
            }
        }
    }

    static boolean isInitializer(GraphProtoOrBuilder graph, String name) {
        for (TensorProto tensor : graph.getInitializerList()) {
            if (tensor.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
