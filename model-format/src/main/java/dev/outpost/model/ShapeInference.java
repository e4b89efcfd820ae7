package dev.outpost.model;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.model.proto.Onnx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Element type and static shape of every tensor in a model's main graph, from the graph inputs,
 * initializers and Constant nodes through per-operator rules ({@link ElementwiseRules},
 * {@link ConvPoolRules}, {@link MatrixRules}, {@link LayoutRules}, {@link IndexingRules},
 * {@link QuantRules}). Symbolic dimensions stay symbols. A tensor no rule can resolve is reported
 * unresolved with the reason; it may then be filled from the model's {@code value_info} (a hint, origin
 * VALUE_INFO) or from a {@link ShapeOracle} (origin ORACLE), never guessed. Stateless; thread-safe.
 */
final class ShapeInference {

    private static final System.Logger LOGGER = System.getLogger(ShapeInference.class.getName());

    private static final Map<String, ShapeRule> RULES = new HashMap<>();

    static {
        ElementwiseRules.register(RULES);
        ConvPoolRules.register(RULES);
        MatrixRules.register(RULES);
        LayoutRules.register(RULES);
        IndexingRules.register(RULES);
        QuantRules.register(RULES);
    }

    private ShapeInference() {
    }

    static Onnx.ModelProto parse(byte[] modelBytes) {
        try {
            return Onnx.ModelProto.parseFrom(modelBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(ModelFormatException.Code.NOT_ONNX,
                    "Expected an ONNX ModelProto; the " + modelBytes.length + " bytes do not parse: " + e.getMessage(), e);
        }
    }

    /** Infers with the rules alone (no value_info hints, no oracle). */
    static InferredTypes infer(Onnx.ModelProto model) {
        return infer(model, false, null);
    }

    /**
     * Infers with the rules; tensors they leave unresolved are then taken, in this order of preference,
     * from the oracle (when given) and from the model's value_info (when {@code useValueInfo}).
     */
    static InferredTypes infer(Onnx.ModelProto model, boolean useValueInfo, ShapeOracle oracle) {
        Map<String, TypeAndShape> seeds = new HashMap<>();
        Map<String, InferredTypes.Origin> seedOrigins = new HashMap<>();
        if (useValueInfo) {
            for (Onnx.ValueInfoProto info : model.getGraph().getValueInfoList()) {
                TypeAndShape declared = declared(info);
                if (declared != null && declared.isResolved()) {
                    seeds.put(info.getName(), declared);
                    seedOrigins.put(info.getName(), InferredTypes.Origin.VALUE_INFO);
                }
            }
        }
        InferredTypes result = new Pass(model, seeds, seedOrigins).run();
        if (oracle == null || result.isComplete()) {
            return result;
        }
        Set<String> wanted = intermediates(model, result.unresolved().keySet());
        if (wanted.isEmpty()) {
            return result;
        }
        Map<String, TypeAndShape> reported;
        try {
            reported = oracle.discover(withExtraOutputs(model, wanted).toByteArray());
        } catch (RuntimeException e) {
            // A caller's oracle must not break inference: keep the rules' answer and say why it stands.
            LOGGER.log(System.Logger.Level.WARNING, "ShapeOracle " + oracle.getClass().getName()
                    + " failed on " + wanted.size() + " unresolved tensors; keeping them unresolved", e);
            Map<String, String> reasons = new LinkedHashMap<>(result.unresolved());
            wanted.forEach(name -> reasons.computeIfPresent(name, (key, reason) -> reason
                    + "; the ShapeOracle failed too: " + e));
            return new InferredTypes(result.tensors(), result.origins(), reasons);
        }
        if (reported == null) {
            reported = Map.of();
        }
        for (String name : wanted) {
            TypeAndShape found = reported.get(name);
            if (found != null && found.isResolved()) {
                seeds.put(name, found);
                seedOrigins.put(name, InferredTypes.Origin.ORACLE);
            }
        }
        return new Pass(model, seeds, seedOrigins).run();
    }

    /** The names among {@code names} that nodes produce (not graph inputs or initializers). */
    static Set<String> intermediates(Onnx.ModelProto model, Set<String> names) {
        Set<String> produced = new LinkedHashSet<>();
        for (Onnx.NodeProto node : model.getGraph().getNodeList()) {
            for (String output : node.getOutputList()) {
                if (names.contains(output)) {
                    produced.add(output);
                }
            }
        }
        return produced;
    }

    /** A copy of the model with the given tensors appended as untyped graph outputs. */
    static Onnx.ModelProto withExtraOutputs(Onnx.ModelProto model, Set<String> tensorNames) {
        Set<String> existing = new HashSet<>();
        model.getGraph().getOutputList().forEach(output -> existing.add(output.getName()));
        Onnx.GraphProto.Builder graph = model.getGraph().toBuilder();
        for (String name : intermediates(model, tensorNames)) {
            if (existing.add(name)) {
                graph.addOutput(Onnx.ValueInfoProto.newBuilder().setName(name));
            }
        }
        return model.toBuilder().setGraph(graph).build();
    }

    /** The declared type and shape of a value, or null when it declares no tensor type. */
    static TypeAndShape declared(Onnx.ValueInfoProto info) {
        return TypeProtos.fromProto(info.getType()).orElse(null) instanceof ValueType.TensorType tensor
                ? new TypeAndShape(tensor.elementType(), tensor.shape()) : null;
    }

    /** Opset version per domain; "" and "ai.onnx" are the same domain. */
    static Map<String, Long> opsets(Onnx.ModelProto model) {
        Map<String, Long> versions = new HashMap<>();
        for (Onnx.OperatorSetIdProto opset : model.getOpsetImportList()) {
            versions.put(OpCatalog.normalizeDomain(opset.getDomain()), opset.getVersion());
        }
        return versions;
    }

    /**
     * The graph's nodes in an order where every producer precedes its consumers (stable: keeps the file
     * order where it already is one).
     *
     * @throws ModelFormatException CYCLE naming the nodes left when the graph has a cycle
     */
    static List<Onnx.NodeProto> topologicalOrder(Onnx.GraphProto graph) {
        List<Onnx.NodeProto> nodes = graph.getNodeList();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String output : nodes.get(i).getOutputList()) {
                if (!output.isEmpty()) {
                    producer.put(output, i);
                }
            }
        }
        int[] waiting = new int[nodes.size()];
        List<List<Integer>> consumers = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            consumers.add(new ArrayList<>());
        }
        for (int i = 0; i < nodes.size(); i++) {
            for (String input : nodes.get(i).getInputList()) {
                Integer from = producer.get(input);
                if (from != null && from != i) {
                    waiting[i]++;
                    consumers.get(from).add(i);
                }
            }
        }
        java.util.PriorityQueue<Integer> queue = new java.util.PriorityQueue<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (waiting[i] == 0) {
                queue.add(i);
            }
        }
        List<Onnx.NodeProto> order = new ArrayList<>(nodes.size());
        while (!queue.isEmpty()) {
            int next = queue.poll();
            order.add(nodes.get(next));
            for (int consumer : consumers.get(next)) {
                if (--waiting[consumer] == 0) {
                    queue.add(consumer);
                }
            }
        }
        if (order.size() != nodes.size()) {
            List<String> stuck = new ArrayList<>();
            for (int i = 0; i < nodes.size() && stuck.size() < 5; i++) {
                if (waiting[i] > 0) {
                    stuck.add(nodes.get(i).getName().isEmpty() ? nodes.get(i).getOutput(0) : nodes.get(i).getName());
                }
            }
            throw new ModelFormatException(ModelFormatException.Code.CYCLE, "Graph '" + graph.getName()
                    + "' has a cycle; " + (nodes.size() - order.size()) + " nodes never become ready, e.g. " + stuck);
        }
        return order;
    }

    /** One walk over the graph with a fixed set of seeds. */
    private static final class Pass {
        private final Onnx.ModelProto model;
        private final Map<String, TypeAndShape> seeds;
        private final Map<String, InferredTypes.Origin> seedOrigins;
        private final Map<String, TypeAndShape> known = new LinkedHashMap<>();
        private final Map<String, ConstValue> constants = new HashMap<>();
        private final Map<String, InferredTypes.Origin> origins = new LinkedHashMap<>();
        private final Map<String, String> unresolved = new LinkedHashMap<>();

        Pass(Onnx.ModelProto model, Map<String, TypeAndShape> seeds, Map<String, InferredTypes.Origin> seedOrigins) {
            this.model = model;
            this.seeds = seeds;
            this.seedOrigins = seedOrigins;
        }

        InferredTypes run() {
            Onnx.GraphProto graph = model.getGraph();
            for (Onnx.TensorProto initializer : graph.getInitializerList()) {
                ElementType type = ElementType.fromCode(initializer.getDataType()).orElse(ElementType.UNDEFINED);
                if (initializer.getDimsList().stream().anyMatch(dim -> dim < 0)) {
                    throw new ModelFormatException(ModelFormatException.Code.INVALID_MODEL, "Initializer '"
                            + initializer.getName() + "' has dims " + initializer.getDimsList()
                            + "; expected every dimension >= 0");
                }
                record(initializer.getName(), new TypeAndShape(type,
                        Shape.of(initializer.getDimsList().stream().mapToLong(Long::longValue).toArray())),
                        InferredTypes.Origin.CONSTANT, "initializer has an undefined element type");
                ConstValue value = ConstValue.decode(initializer);
                if (value != null) {
                    constants.put(initializer.getName(), value);
                }
            }
            for (Onnx.ValueInfoProto input : graph.getInputList()) {
                if (known.containsKey(input.getName())) {
                    continue;
                }
                TypeAndShape declared = declared(input);
                if (declared == null) {
                    unresolved.put(input.getName(), "graph input declares no tensor type");
                } else {
                    record(input.getName(), declared, InferredTypes.Origin.GRAPH_INPUT,
                            "graph input declares " + declared + " (unknown rank, type or dimension)");
                }
            }
            Map<String, Long> opsets = opsets(model);
            for (Onnx.NodeProto node : topologicalOrder(graph)) {
                inferNode(node, opsets.getOrDefault(OpCatalog.normalizeDomain(node.getDomain()), 1L));
            }
            Map<String, TypeAndShape> resolved = new LinkedHashMap<>();
            known.forEach((name, value) -> {
                if (!unresolved.containsKey(name)) {
                    resolved.put(name, value);
                }
            });
            origins.keySet().retainAll(resolved.keySet());
            return new InferredTypes(resolved, origins, unresolved);
        }

        private void inferNode(Onnx.NodeProto node, long opset) {
            String domain = OpCatalog.normalizeDomain(node.getDomain());
            String key = domain.isEmpty() ? node.getOpType() : domain + ":" + node.getOpType();
            ShapeRule rule = RULES.get(key);
            InferenceStep step = new InferenceStep(node, opset, known, constants);
            String failure = null;
            if (rule == null) {
                failure = "no shape rule for operator " + key;
            } else {
                try {
                    rule.apply(step);
                } catch (UnresolvedShape e) {
                    failure = e.getMessage();
                } catch (IllegalArgumentException | IllegalStateException | ArithmeticException
                         | IndexOutOfBoundsException e) {
                    throw new ModelFormatException(ModelFormatException.Code.INVALID_MODEL, step.describe()
                            + " has inputs or attributes its shape rule cannot accept: " + e.getMessage(), e);
                }
            }
            for (int i = 0; i < node.getOutputCount(); i++) {
                String name = node.getOutput(i);
                if (name.isEmpty()) {
                    continue;
                }
                TypeAndShape value = failure == null ? step.outputAt(i) : null;
                if (value == null) {
                    String reason = failure != null ? failure : step.describe() + ": no rule for output " + i;
                    TypeAndShape seed = seeds.get(name);
                    if (seed != null) {
                        known.put(name, seed);
                        origins.put(name, seedOrigins.get(name));
                    } else {
                        unresolved.put(name, reason);
                    }
                    continue;
                }
                record(name, value, InferredTypes.Origin.RULE, step.describe() + " gives " + value
                        + ": a dimension depends on the value of a symbolic or unknown input dimension");
                if (step.outputValueAt(i) != null) {
                    constants.put(name, step.outputValueAt(i));
                }
            }
        }

        private void record(String name, TypeAndShape value, InferredTypes.Origin origin, String reasonIfPartial) {
            if (value.isResolved()) {
                known.put(name, value);
                origins.put(name, origin);
                return;
            }
            TypeAndShape seed = seeds.get(name);
            if (seed != null) {
                known.put(name, seed);
                origins.put(name, seedOrigins.get(name));
            } else {
                known.put(name, value);
                unresolved.put(name, reasonIfPartial);
            }
        }
    }
}
