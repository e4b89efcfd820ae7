package dev.outpost.model;

import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.Problem.Severity;
import dev.outpost.model.proto.Onnx.AttributeProto;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.ModelProto;
import dev.outpost.model.proto.Onnx.NodeProto;
import dev.outpost.model.proto.Onnx.OperatorSetIdProto;
import dev.outpost.model.proto.Onnx.TensorProto;
import dev.outpost.model.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Structural checks of a model, recursing into subgraphs with their outer scope:
 * <ul>
 *   <li>DANGLING_INPUT: a node input or graph output that nothing produces;</li>
 *   <li>DUPLICATE_OUTPUT: two nodes (or a node and a graph input or initializer) writing one name;</li>
 *   <li>CYCLE: naming the nodes on the cycle;</li>
 *   <li>UNKNOWN_OPERATOR: a domain the model does not import, or an operator the catalog does not
 *       know in a domain it knows (the default domain and com.microsoft). Operators of other imported
 *       domains are WARNINGs, as the catalog cannot check them, unless the catalog types them
 *       (ai.onnx.ml's ZipMap);</li>
 *   <li>WARNING: nodes not stored in topological order (ONNX requires it; ONNX Runtime sorts itself).</li>
 * </ul>
 * Reading failures (not ONNX, truncated) are reported by {@link OnnxModel#check}. Stateless and thread-safe.
 */
final class ModelValidator {

    private static final int MAX_LISTED = 10;

    private ModelValidator() {
    }

    static List<Problem> validate(ModelProto model) {
        Map<String, Long> opsets = new HashMap<>();
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            opsets.put(OpCatalog.normalizeDomain(opset.getDomain()), opset.getVersion());
        }
        List<Problem> problems = new ArrayList<>();
        GraphProto graph = model.getGraph();
        checkGraph(graph, "graph '" + graph.getName() + "'", Set.of(), opsets, problems);
        return List.copyOf(problems);
    }

    static void throwOnErrors(List<Problem> problems) {
        List<Problem> errors = problems.stream().filter(Problem::isError).toList();
        if (errors.isEmpty()) {
            return;
        }
        String listed = errors.stream().limit(MAX_LISTED).map(Problem::message).collect(Collectors.joining("; "));
        String more = errors.size() > MAX_LISTED ? "; and " + (errors.size() - MAX_LISTED) + " more" : "";
        throw new ModelFormatException(errors.get(0).code(), errors.size() + " problem"
                + (errors.size() == 1 ? "" : "s") + ": " + listed + more);
    }

    private static void checkGraph(GraphProto graph, String where, Set<String> outerScope, Map<String, Long> opsets,
            List<Problem> problems) {
        Set<String> inputs = graph.getInputList().stream().map(ValueInfoProto::getName).collect(Collectors.toSet());
        Set<String> initializers = graph.getInitializerList().stream().map(TensorProto::getName)
                .collect(Collectors.toSet());
        graph.getSparseInitializerList().forEach(sparse -> initializers.add(sparse.getValues().getName()));
        Map<String, String> producers = new HashMap<>();
        List<NodeProto> nodes = graph.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto node = nodes.get(i);
            for (String output : node.getOutputList()) {
                if (output.isEmpty()) {
                    continue;
                }
                String earlier = producers.putIfAbsent(output, label(node, i));
                if (earlier != null) {
                    problems.add(error(Code.DUPLICATE_OUTPUT, where + ": tensor '" + output + "' is written by node "
                            + earlier + " and by node " + label(node, i)));
                } else if (inputs.contains(output) || initializers.contains(output)) {
                    problems.add(error(Code.DUPLICATE_OUTPUT, where + ": node " + label(node, i) + " writes '" + output
                            + "', which is also a graph " + (inputs.contains(output) ? "input" : "initializer")));
                }
            }
        }
        Set<String> available = new HashSet<>(outerScope);
        available.addAll(inputs);
        available.addAll(initializers);
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto node = nodes.get(i);
            for (String input : node.getInputList()) {
                if (!input.isEmpty() && !available.contains(input) && !producers.containsKey(input)) {
                    problems.add(error(Code.DANGLING_INPUT, where + ": node " + label(node, i) + " reads '" + input
                            + "' which no node, input or initializer produces"));
                }
            }
            checkOperator(node, i, where, opsets, problems);
        }
        for (ValueInfoProto output : graph.getOutputList()) {
            String name = output.getName();
            if (!available.contains(name) && !producers.containsKey(name)) {
                problems.add(error(Code.DANGLING_INPUT, where + ": graph output '" + name
                        + "' is produced by no node, input or initializer"));
            }
        }
        checkOrder(nodes, where, problems);
        Set<String> scope = new HashSet<>(available);
        scope.addAll(producers.keySet());
        for (int i = 0; i < nodes.size(); i++) {
            for (AttributeProto attribute : nodes.get(i).getAttributeList()) {
                String subWhere = "subgraph '" + attribute.getName() + "' of node " + label(nodes.get(i), i) + " in " + where;
                if (attribute.hasG()) {
                    checkGraph(attribute.getG(), subWhere, scope, opsets, problems);
                }
                for (GraphProto sub : attribute.getGraphsList()) {
                    checkGraph(sub, subWhere, scope, opsets, problems);
                }
            }
        }
    }

    private static void checkOperator(NodeProto node, int index, String where, Map<String, Long> opsets,
            List<Problem> problems) {
        String domain = OpCatalog.normalizeDomain(node.getDomain());
        if (!opsets.containsKey(domain)) {
            problems.add(error(Code.UNKNOWN_OPERATOR, where + ": node " + label(node, index) + " uses domain '"
                    + OpCatalog.displayDomain(domain) + "', which the model does not import (imports: "
                    + opsets.keySet().stream().map(OpCatalog::displayDomain).sorted().toList() + ")"));
        } else if (OpCatalog.find(domain, node.getOpType()).isPresent()) {
            return;
        } else if (OpCatalog.knowsDomain(domain)) {
            if (!OpCatalog.isKnown(domain, node.getOpType())) {
                problems.add(error(Code.UNKNOWN_OPERATOR, where + ": node " + label(node, index) + " runs '"
                        + node.getOpType() + "', which domain '" + OpCatalog.displayDomain(domain) + "' does not define"));
            }
        } else {
            problems.add(new Problem(Severity.WARNING, Code.UNKNOWN_OPERATOR, where + ": node " + label(node, index)
                    + " is from custom domain '" + domain + "' (imported at version " + opsets.get(domain)
                    + "), which the catalog cannot check"));
        }
    }

    private static void checkOrder(List<NodeProto> nodes, String where, List<Problem> problems) {
        Map<String, Integer> producerIndex = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String output : nodes.get(i).getOutputList()) {
                if (!output.isEmpty()) {
                    producerIndex.putIfAbsent(output, i);
                }
            }
        }
        List<Set<String>> reads = new ArrayList<>();
        for (NodeProto node : nodes) {
            Set<String> local = new LinkedHashSet<>(Topology.reads(node));
            local.retainAll(producerIndex.keySet());
            reads.add(local);
        }
        Topology.Sorted sorted = Topology.sort(reads, nodes.stream().map(NodeProto::getOutputList).toList());
        if (sorted.hasCycle()) {
            List<Integer> cycle = sorted.cycle();
            String path = cycle.stream().map(i -> label(nodes.get(i), i)).collect(Collectors.joining(" -> "))
                    + " -> " + label(nodes.get(cycle.get(0)), cycle.get(0));
            problems.add(error(Code.CYCLE, where + " has a cycle: " + path));
            return;
        }
        for (int i = 0; i < nodes.size(); i++) {
            for (String input : reads.get(i)) {
                int producer = producerIndex.get(input);
                if (producer > i) {
                    problems.add(new Problem(Severity.WARNING, Code.INVALID_MODEL, where + ": node "
                            + label(nodes.get(i), i) + " reads '" + input + "' before node "
                            + label(nodes.get(producer), producer) + " writes it; ONNX stores nodes in topological order"));
                    return;
                }
            }
        }
    }

    private static String label(NodeProto node, int index) {
        String name = node.getName().isEmpty() ? "#" + index : node.getName();
        return "'" + name + "' (" + (node.getDomain().isEmpty() ? "" : node.getDomain() + ":") + node.getOpType() + ")";
    }

    private static Problem error(Code code, String message) {
        return new Problem(Severity.ERROR, code, message);
    }
}
