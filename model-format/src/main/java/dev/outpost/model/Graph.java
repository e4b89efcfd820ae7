package dev.outpost.model;

import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.NodeProto;
import dev.outpost.model.proto.Onnx.TensorAnnotation;
import dev.outpost.model.proto.Onnx.TensorProto;
import dev.outpost.model.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A graph made for editing: nodes, initializers, inputs, outputs and value infos, who produces and
 * who consumes each tensor, topological order, and edits that keep the graph consistent (safe
 * renaming, insertion with rewiring, removal, schema-checked node building through {@link Op}).
 * Every edit goes straight into the model and shows in everything written afterwards; parts the view
 * does not model (subgraphs, sparse initializers, quantization annotations, unknown fields) are kept
 * as they are.
 *
 * <p>A pass reads like this (quantizing Conv weights, QDQ style):
 * <pre>{@code
 * for (Node conv : graph.nodes(Op.CONV)) {
 *     Initializer weight = graph.initializer(conv.input(1)).orElseThrow();
 *     String q = graph.addInitializer(weight.name() + "_q", quantize(weight.floats(), s)).name();
 *     String scale = graph.addInitializer(weight.name() + "_scale", TensorData.scalar(s)).name();
 *     conv.setInput(1, weight.name() + "_dq");   // rewire first: add() then places the producer before its reader
 *     graph.add(Op.DEQUANTIZE_LINEAR, List.of(q, scale), List.of(weight.name() + "_dq"), Map.of());
 * }
 * graph.removeUnusedInitializers();
 * }</pre>
 * {@link #add}, {@link #insertAfter} and {@link #insertBefore} keep the stored order topological;
 * after free-form rewiring with {@link Node#setInput} call {@link #sortTopologically()} (validation
 * warns about out-of-order nodes).
 *
 * <p>Consumers of a tensor include nodes whose subgraphs read it from the outer scope. Node handles
 * and initializer handles are live; one handle per node. Not thread-safe: one owner edits a graph.
 * This file is over 600 lines because queries and edits share one index that every edit must
 * invalidate (node building itself lives in {@code NodeBuilding}); splitting them would spread that
 * invariant over two classes.
 */
public final class Graph {

    private final GraphProto.Builder proto;
    private final OnnxModel model;
    private final Graph parent;
    private final Map<NodeProto.Builder, Node> handles = new IdentityHashMap<>();
    private final Map<TensorProto.Builder, Initializer> initializerHandles = new IdentityHashMap<>();
    private final Set<Object> removed = Collections.newSetFromMap(new IdentityHashMap<>());
    private Index index;

    Graph(GraphProto.Builder proto, OnnxModel model) {
        this(proto, model, null);
    }

    /** A subgraph view; its edits also invalidate the enclosing graph's index (outer-scope reads may change). */
    Graph(GraphProto.Builder proto, OnnxModel model, Graph parent) {
        this.proto = proto;
        this.model = model;
        this.parent = parent;
    }

    /** Producers, consumers and positions, rebuilt after every structural edit. */
    private record Index(List<Node> nodes, Map<Node, Integer> positions, Map<String, Node> producers,
            Map<String, List<Node>> consumers) {
    }

    /** The graph name. */
    public String name() {
        return proto.getName();
    }

    // ---- nodes ----

    /** All nodes in stored order. */
    public List<Node> nodes() {
        return index().nodes();
    }

    /** The nodes running {@code op}, in stored order. */
    public List<Node> nodes(Op op) {
        return nodes().stream().filter(node -> node.is(op)).toList();
    }

    /** The node named {@code name}. */
    public Optional<Node> node(String name) {
        return nodes().stream().filter(node -> node.name().equals(name)).findFirst();
    }

    /** The node that writes {@code tensor}; empty for graph inputs, initializers and unknown names. */
    public Optional<Node> producer(String tensor) {
        return Optional.ofNullable(index().producers().get(tensor));
    }

    /** The nodes that read {@code tensor} (directly or from a subgraph), in stored order. */
    public List<Node> consumers(String tensor) {
        return index().consumers().getOrDefault(tensor, List.of());
    }

    /**
     * The nodes with producers before consumers (stored order where free).
     *
     * @throws ModelFormatException CYCLE naming the nodes on a cycle
     */
    public List<Node> topologicalOrder() {
        List<Node> nodes = nodes();
        Topology.Sorted sorted = sort(nodes);
        if (sorted.hasCycle()) {
            throw new ModelFormatException(Code.CYCLE, "Graph '" + name() + "' has a cycle through "
                    + sorted.cycle().stream().map(i -> nodes.get(i).label()).collect(Collectors.joining(" -> ")));
        }
        return sorted.order().stream().map(nodes::get).toList();
    }

    /**
     * Reorders the stored nodes topologically (ONNX requires it of files). Handles stay valid;
     * subgraph views obtained earlier must be fetched again.
     *
     * @throws ModelFormatException CYCLE when there is none
     */
    public void sortTopologically() {
        List<Node> order = topologicalOrder();
        if (order.equals(nodes())) {
            return;
        }
        List<NodeProto> protos = order.stream().map(node -> node.proto().build()).toList();
        proto.clearNode();
        handles.clear();
        for (int i = 0; i < protos.size(); i++) {
            proto.addNode(protos.get(i));
            NodeProto.Builder moved = proto.getNodeBuilder(i);
            order.get(i).rebind(moved);
            handles.put(moved, order.get(i));
        }
        changed();
    }

    // ---- inputs, outputs, value infos ----

    /** Graph inputs (older models also list initializers here). */
    public List<ValueInfo> inputs() {
        return proto.getInputList().stream().map(ValueInfo::fromProto).toList();
    }

    /** Graph outputs, in order. */
    public List<ValueInfo> outputs() {
        return proto.getOutputList().stream().map(ValueInfo::fromProto).toList();
    }

    /** The {@code value_info} entries (types of intermediate tensors). */
    public List<ValueInfo> valueInfos() {
        return proto.getValueInfoList().stream().map(ValueInfo::fromProto).toList();
    }

    /** The declared type of {@code tensor}, from the inputs, outputs or value infos. */
    public Optional<ValueInfo> valueInfo(String tensor) {
        for (List<ValueInfoProto> list : List.of(proto.getInputList(), proto.getOutputList(), proto.getValueInfoList())) {
            for (ValueInfoProto info : list) {
                if (info.getName().equals(tensor)) {
                    return Optional.of(ValueInfo.fromProto(info));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The declared type of {@code value} (tensor, sequence or map), from the inputs, outputs or value
     * infos; empty when none is declared or the kind is one {@link ValueType} does not model.
     */
    public Optional<ValueType> valueType(String value) {
        for (List<ValueInfoProto> list : List.of(proto.getInputList(), proto.getOutputList(), proto.getValueInfoList())) {
            for (ValueInfoProto info : list) {
                if (info.getName().equals(value)) {
                    return TypeProtos.fromProto(info.getType());
                }
            }
        }
        return Optional.empty();
    }

    /** Adds a graph input. @throws ModelFormatException INVALID_EDIT when a tensor of that name exists */
    public void addInput(ValueInfo input) {
        requireFree(input.name(), "add input");
        proto.addInput(input.toProto());
        changed();
    }

    /**
     * Removes a graph input (the tensor's readers keep reading the name, so it must stay defined, e.g.
     * by an initializer of the same name, as older models list every initializer as an input too);
     * returns whether it was one.
     */
    public boolean removeInput(String tensor) {
        for (int i = 0; i < proto.getInputCount(); i++) {
            if (proto.getInput(i).getName().equals(tensor)) {
                proto.removeInput(i);
                changed();
                return true;
            }
        }
        return false;
    }

    /** Adds a graph output. @throws ModelFormatException INVALID_EDIT when it is an output already */
    public void addOutput(ValueInfo output) {
        addOutput(output.name(), new ValueType.TensorType(output.elementType(), output.shape()));
    }

    /**
     * Adds a graph output of any type, e.g. the {@code seq(map(string,tensor(float)))} of a ZipMap.
     *
     * @throws ModelFormatException INVALID_EDIT for an empty name, or one that is an output already
     */
    public void addOutput(String name, ValueType type) {
        if (name.isEmpty()) {
            throw new ModelFormatException(Code.INVALID_EDIT, "Cannot add an output of type " + type + " to graph '"
                    + name() + "': the name is empty");
        }
        if (isGraphOutput(name)) {
            throw new ModelFormatException(Code.INVALID_EDIT, "'" + name + "' is already an output of graph '"
                    + name() + "'");
        }
        proto.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProtos.toProto(type)));
        changed();
    }

    /** Removes a graph output (the tensor stays); returns whether it was one. */
    public boolean removeOutput(String tensor) {
        for (int i = 0; i < proto.getOutputCount(); i++) {
            if (proto.getOutput(i).getName().equals(tensor)) {
                proto.removeOutput(i);
                changed();
                return true;
            }
        }
        return false;
    }

    /** Records the type of a tensor: updates its input, output or value_info entry, or adds a value_info. */
    public void setValueInfo(ValueInfo info) {
        for (List<ValueInfoProto.Builder> list : List.of(proto.getInputBuilderList(), proto.getOutputBuilderList(),
                proto.getValueInfoBuilderList())) {
            for (ValueInfoProto.Builder entry : list) {
                if (entry.getName().equals(info.name())) {
                    entry.setType(info.toProto().getType());
                    return;
                }
            }
        }
        proto.addValueInfo(info.toProto());
    }

    // ---- initializers ----

    /** Live handles on all initializers, in stored order. */
    public List<Initializer> initializers() {
        return proto.getInitializerBuilderList().stream().map(this::handle).toList();
    }

    /** A live handle on the initializer named {@code name}. */
    public Optional<Initializer> initializer(String name) {
        for (TensorProto.Builder tensor : proto.getInitializerBuilderList()) {
            if (tensor.getName().equals(name)) {
                return Optional.of(handle(tensor));
            }
        }
        return Optional.empty();
    }

    /** True when an initializer is named {@code name}. */
    public boolean isInitializer(String name) {
        return Topology.isInitializer(proto, name);
    }

    /**
     * Adds an initializer.
     *
     * @throws ModelFormatException INVALID_EDIT when a tensor of that name exists
     */
    public Initializer addInitializer(String name, TensorData data) {
        requireFree(name, "add initializer");
        proto.addInitializer(Tensors.toProto(name, data));
        changed();
        return handle(proto.getInitializerBuilder(proto.getInitializerCount() - 1));
    }

    /** Removes an initializer (and a graph input of the same name, as older models list both); returns whether it existed. */
    public boolean removeInitializer(String name) {
        for (int i = 0; i < proto.getInitializerCount(); i++) {
            if (proto.getInitializer(i).getName().equals(name)) {
                removed.add(proto.getInitializerBuilder(i));
                proto.removeInitializer(i);
                for (int j = proto.getInputCount() - 1; j >= 0; j--) {
                    if (proto.getInput(j).getName().equals(name)) {
                        proto.removeInput(j);
                    }
                }
                changed();
                return true;
            }
        }
        return false;
    }

    /** Removes initializers that no node (or subgraph) reads and that are not graph outputs; returns how many. */
    public int removeUnusedInitializers() {
        Set<String> outputs = proto.getOutputList().stream().map(ValueInfoProto::getName).collect(Collectors.toSet());
        List<String> unused = proto.getInitializerList().stream().map(TensorProto::getName)
                .filter(name -> consumers(name).isEmpty() && !outputs.contains(name)).toList();
        unused.forEach(this::removeInitializer);
        return unused.size();
    }

    // ---- building and editing ----

    /**
     * Adds a node built through the catalog, checking arity, attribute names, types and required
     * attributes, and importing the operator's domain if the model does not yet. The node is named
     * {@code <OpType>_<n>} and placed so that stored order stays topological.
     *
     * @throws ModelFormatException INVALID_MODEL ("Building Conv(2..3 inputs) -> 1: expected ..., received ..."),
     *     INVALID_EDIT when a node, graph input or initializer already writes an output name, or the node would
     *     close a cycle
     */
    public Node add(Op op, List<String> inputs, List<String> outputs, Map<String, ?> attributes) {
        NodeProto built = NodeBuilding.build(op, inputs, outputs, attributes, model, uniqueNodeName(op.opType()));
        return place(built, op.opType());
    }

    /**
     * Adds a node of a custom operator, one from a domain the catalog does not cover (a custom-op
     * library's, for instance): nothing about it can be checked but the names. Attribute types follow
     * the Java values ({@code Long} INT, {@code float[]} FLOATS, {@code List<String>} STRINGS, ...).
     * Imports {@code domain} at version 1 if the model does not yet; names and places the node as
     * {@link #add(Op, List, List, Map)} does.
     *
     * @throws ModelFormatException INVALID_EDIT for the default or {@code com.microsoft} domain, or an operator
     *     the catalog has (build those with {@link #add(Op, List, List, Map)}); INVALID_MODEL for empty or repeated
     *     names and attribute values without an ONNX type; INVALID_EDIT as {@link #add(Op, List, List, Map)}
     */
    public Node addCustom(String domain, String opType, List<String> inputs, List<String> outputs,
            Map<String, ?> attributes) {
        NodeProto built = NodeBuilding.buildCustom(domain, opType, inputs, outputs, attributes, model,
                uniqueNodeName(opType));
        return place(built, domain + ":" + opType);
    }

    /**
     * Adds a node of the default domain by operator name.
     *
     * @throws ModelFormatException UNKNOWN_OPERATOR when the catalog has no such operator, or as {@link #add(Op, List, List, Map)}
     */
    public Node add(String opType, List<String> inputs, List<String> outputs, Map<String, ?> attributes) {
        return add(OpCatalog.require(OpCatalog.ONNX_DOMAIN, opType), inputs, outputs, attributes);
    }

    /**
     * Inserts a node that reads {@code tensor} (then {@code extraInputs}) and writes {@code output},
     * and makes every node that read {@code tensor} read {@code output} instead. Graph outputs keep
     * reading {@code tensor}, so the model's interface does not change. The node goes right after
     * the producer of {@code tensor}.
     *
     * @throws ModelFormatException INVALID_EDIT for an unknown tensor or a taken output name, INVALID_MODEL as {@link #add}
     */
    public Node insertAfter(String tensor, Op op, List<String> extraInputs, String output, Map<String, ?> attributes) {
        if (!hasTensor(tensor)) {
            throw new ModelFormatException(Code.INVALID_EDIT, "Cannot insert " + op.opType() + " after '" + tensor
                    + "': graph '" + name() + "' has no such tensor");
        }
        List<Node> readers = consumers(tensor);
        List<String> inputs = new ArrayList<>();
        inputs.add(tensor);
        inputs.addAll(extraInputs);
        Node node = add(op, inputs, List.of(output), attributes);
        for (Node reader : readers) {
            Topology.renameInputs(reader.proto(), tensor, output);
        }
        changed();
        sortIfNeeded(op, node);
        return node;
    }

    /**
     * Inserts a node between input {@code inputIndex} of {@code consumer} and that input's tensor:
     * the new node reads the tensor (then {@code extraInputs}) and writes {@code output}, which only
     * {@code consumer}'s input then reads. Typical use: a DequantizeLinear in front of a Conv weight.
     *
     * @throws ModelFormatException INVALID_EDIT for a taken output name, INVALID_MODEL as {@link #add}
     */
    public Node insertBefore(Node consumer, int inputIndex, Op op, List<String> extraInputs, String output,
            Map<String, ?> attributes) {
        String tensor = consumer.input(inputIndex);
        if (tensor.isEmpty()) {
            throw new ModelFormatException(Code.INVALID_EDIT, "Cannot insert " + op.opType() + " before input "
                    + inputIndex + " of " + consumer.label() + ": that input is not given");
        }
        List<String> inputs = new ArrayList<>();
        inputs.add(tensor);
        inputs.addAll(extraInputs);
        Node node = add(op, inputs, List.of(output), attributes);
        consumer.setInput(inputIndex, output);
        sortIfNeeded(op, node);
        return node;
    }

    /** Removes a node; nodes that read its outputs then dangle until rewired (see {@link #bypass}). */
    public void remove(Node node) {
        NodeProto.Builder builder = node.proto();
        int position = index().positions().get(node);
        proto.removeNode(position);
        handles.remove(builder);
        removed.add(builder);
        changed();
    }

    /**
     * Removes a node with one data input and one output (Identity, Dropout, a folded Relu, ...),
     * making consumers of its output read its input. When the output is a graph output, the
     * input's producer writes the output name instead, so the model's interface stays the same.
     *
     * @throws ModelFormatException INVALID_EDIT when the node's output is a graph output and its input is not
     *     produced by a node (a graph input or an initializer cannot be renamed to the output)
     */
    public void bypass(Node node) {
        String input = node.input(0);
        String output = node.output(0);
        boolean isGraphOutput = isGraphOutput(output);
        if (isGraphOutput && producer(input).isEmpty()) {
            throw new ModelFormatException(Code.INVALID_EDIT, "Cannot bypass " + node.label() + ": its output '"
                    + output + "' is a graph output and its input '" + input + "' is a graph input or initializer");
        }
        if (isGraphOutput && isGraphOutput(input)) {
            throw new ModelFormatException(Code.INVALID_EDIT, "Cannot bypass " + node.label() + ": its input '"
                    + input + "' and its output '" + output + "' are both graph outputs");
        }
        List<Node> readers = consumers(output);
        remove(node);
        if (isGraphOutput) {
            // The output's declarations (graph output, value info) stay and now describe the input's tensor.
            for (int i = proto.getValueInfoCount() - 1; i >= 0; i--) {
                if (proto.getValueInfo(i).getName().equals(input)) {
                    proto.removeValueInfo(i);
                }
            }
            renameEverywhere(input, output);
        } else {
            for (Node reader : readers) {
                Topology.renameInputs(reader.proto(), output, input);
            }
            changed();
        }
    }

    /**
     * Renames a tensor everywhere: producers, consumers (also inside subgraphs that read it from this
     * scope), graph inputs and outputs, value infos, initializers and quantization annotations.
     *
     * @throws ModelFormatException INVALID_EDIT when {@code from} does not exist or {@code to} already does
     */
    public void rename(String from, String to) {
        if (from.equals(to)) {
            return;
        }
        if (!hasTensor(from)) {
            throw new ModelFormatException(Code.INVALID_EDIT, "Cannot rename '" + from + "' to '" + to + "': graph '"
                    + name() + "' has no tensor '" + from + "'");
        }
        requireFree(to, "rename '" + from + "'");
        renameEverywhere(from, to);
    }

    /** The renaming itself, without the checks: {@link #bypass} moves a tensor onto a name a graph output holds. */
    private void renameEverywhere(String from, String to) {
        for (NodeProto.Builder node : proto.getNodeBuilderList()) {
            Topology.renameInputs(node, from, to);
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals(from)) {
                    node.setOutput(i, to);
                }
            }
        }
        for (List<ValueInfoProto.Builder> list : List.of(proto.getInputBuilderList(), proto.getOutputBuilderList(),
                proto.getValueInfoBuilderList())) {
            list.stream().filter(info -> info.getName().equals(from)).forEach(info -> info.setName(to));
        }
        proto.getInitializerBuilderList().stream().filter(t -> t.getName().equals(from)).forEach(t -> t.setName(to));
        for (TensorAnnotation.Builder annotation : proto.getQuantizationAnnotationBuilderList()) {
            if (annotation.getTensorName().equals(from)) {
                annotation.setTensorName(to);
            }
        }
        changed();
    }

    private boolean isGraphOutput(String tensor) {
        return proto.getOutputList().stream().anyMatch(o -> o.getName().equals(tensor));
    }

    /** True when any node, input, output, value info or initializer uses the name. */
    public boolean hasTensor(String name) {
        Index current = index();
        return current.producers().containsKey(name) || current.consumers().containsKey(name) || isInitializer(name)
                || valueInfo(name).isPresent();
    }

    /** {@code base} if no tensor uses it, else {@code base_1}, {@code base_2}, ... */
    public String uniqueName(String base) {
        if (!hasTensor(base)) {
            return base;
        }
        for (int i = 1; ; i++) {
            String candidate = base + "_" + i;
            if (!hasTensor(candidate)) {
                return candidate;
            }
        }
    }

    // ---- package-private plumbing ----

    OnnxModel model() {
        return model;
    }

    GraphProto toProto() {
        return proto.build();
    }

    boolean holds(Object builder) {
        return !removed.contains(builder);
    }

    /** Called after every structural edit. */
    void changed() {
        index = null;
        if (parent != null) {
            parent.changed();
        }
    }

    private Index index() {
        if (index == null) {
            List<Node> nodes = new ArrayList<>();
            Map<Node, Integer> positions = new IdentityHashMap<>();
            Map<String, Node> producers = new HashMap<>();
            Map<String, List<Node>> consumers = new HashMap<>();
            List<NodeProto.Builder> builders = proto.getNodeBuilderList();
            for (int i = 0; i < builders.size(); i++) {
                NodeProto.Builder builder = builders.get(i);
                Node node = handles.computeIfAbsent(builder, b -> new Node(this, b));
                nodes.add(node);
                positions.put(node, i);
                for (String output : builder.getOutputList()) {
                    if (!output.isEmpty()) {
                        producers.putIfAbsent(output, node);
                    }
                }
                for (String read : Topology.reads(builder)) {
                    consumers.computeIfAbsent(read, k -> new ArrayList<>()).add(node);
                }
            }
            consumers.replaceAll((k, v) -> List.copyOf(v));
            index = new Index(List.copyOf(nodes), positions, producers, consumers);
        }
        return index;
    }

    private Topology.Sorted sort(List<Node> nodes) {
        return Topology.sort(nodes.stream().map(node -> Topology.reads(node.proto())).toList(),
                nodes.stream().map(Node::outputs).toList());
    }

    private void sortIfNeeded(Op op, Node node) {
        Index current = index();
        int position = current.positions().get(node);
        for (String input : node.inputs()) {
            Node producer = current.producers().get(input);
            if (producer != null && current.positions().get(producer) > position) {
                sortTopologically();
                return;
            }
        }
        for (String output : node.outputs()) {
            for (Node consumer : current.consumers().getOrDefault(output, List.of())) {
                if (current.positions().get(consumer) < position) {
                    sortTopologically();
                    return;
                }
            }
        }
    }

    /** Inserts a built node where stored order stays topological; refuses taken outputs and cycles. */
    private Node place(NodeProto built, String label) {
        List<String> inputs = built.getInputList();
        List<String> outputs = built.getOutputList();
        for (String output : outputs) {
            requireNotProduced(output, "add " + label + " writing '" + output + "'");
        }
        Index current = index();
        int position = proto.getNodeCount();
        int lastProducer = -1;
        for (String output : outputs) {
            for (Node consumer : current.consumers().getOrDefault(output, List.of())) {
                position = Math.min(position, current.positions().get(consumer));
            }
        }
        for (String input : inputs) {
            Node producer = current.producers().get(input);
            if (producer != null) {
                lastProducer = Math.max(lastProducer, current.positions().get(producer));
            }
        }
        Node node = insertAt(position, built);
        if (lastProducer >= position) {
            try {
                sortTopologically();
            } catch (ModelFormatException cycle) {
                remove(node);
                throw new ModelFormatException(Code.INVALID_EDIT, "Adding " + label + " " + inputs + " -> "
                        + outputs + " would close a cycle: " + cycle.getMessage(), cycle);
            }
        }
        return node;
    }

    private Node insertAt(int position, NodeProto built) {
        proto.addNode(position, built);
        changed();
        NodeProto.Builder builder = proto.getNodeBuilder(position);
        return handles.computeIfAbsent(builder, b -> new Node(this, b));
    }

    private Initializer handle(TensorProto.Builder tensor) {
        return initializerHandles.computeIfAbsent(tensor, t -> new Initializer(this, t));
    }

    private String uniqueNodeName(String opType) {
        Set<String> names = nodes().stream().map(Node::name).collect(Collectors.toSet());
        for (int i = names.size(); ; i++) {
            String candidate = opType + "_" + i;
            if (!names.contains(candidate)) {
                return candidate;
            }
        }
    }

    /** Outputs of a new node may already be read (a pass can rewire first), but nothing may write them. */
    private void requireNotProduced(String name, String action) {
        if (name.isEmpty()) {
            return;
        }
        boolean isInput = proto.getInputList().stream().anyMatch(i -> i.getName().equals(name));
        if (producer(name).isPresent() || isInitializer(name) || isInput) {
            requireFree(name, action);
        }
    }

    private void requireFree(String name, String action) {
        if (name.isEmpty()) {
            throw new ModelFormatException(Code.INVALID_EDIT, "Cannot " + action + ": the name is empty");
        }
        if (!hasTensor(name)) {
            return;
        }
        String holder = producer(name).map(n -> "node " + n.label() + " writes it")
                .orElse(isInitializer(name) ? "it is an initializer"
                        : valueInfo(name).isPresent() ? "it is a graph input, output or value info"
                        : "node " + consumers(name).get(0).label() + " reads it");
        throw new ModelFormatException(Code.INVALID_EDIT, "Cannot " + action + ": tensor '" + name
                + "' already exists in graph '" + name() + "' (" + holder + ")");
    }

    @Override
    public String toString() {
        return "Graph['" + name() + "', " + proto.getNodeCount() + " nodes, " + proto.getInitializerCount()
                + " initializers]";
    }
}
