package dev.outpost.model;

import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.OpSchema.AttributeSpec;
import dev.outpost.model.proto.Onnx.AttributeProto;
import dev.outpost.model.proto.Onnx.NodeProto;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A live handle on one node of a {@link Graph}: its operator, input and output tensor names and
 * attributes. Changes go straight into the graph and show in everything written afterwards.
 * Omitted optional inputs read as {@code ""}.
 *
 * <p>Not thread-safe; belongs to its graph. The graph hands out one handle per node, so handles
 * compare by identity.
 * After the node is removed, the handle throws {@link IllegalStateException}.
 */
public final class Node {

    private final Graph graph;
    private NodeProto.Builder proto;

    Node(Graph graph, NodeProto.Builder proto) {
        this.graph = graph;
        this.proto = proto;
    }

    /** The node name; may be empty in models that do not name nodes. */
    public String name() {
        return live().getName();
    }

    /** Renames the node (not its tensors; see {@link Graph#rename}). */
    public void setName(String name) {
        live().setName(name);
    }

    /** The operator name, e.g. {@code Conv}. */
    public String opType() {
        return live().getOpType();
    }

    /** {@code ""} for the default ONNX domain. */
    public String domain() {
        return live().getDomain();
    }

    /** The catalog entry of this node's operator, if the catalog has one. */
    public Optional<Op> op() {
        return OpCatalog.find(domain(), opType());
    }

    /** True when this node runs {@code op}. */
    public boolean is(Op op) {
        return opType().equals(op.opType())
                && OpCatalog.normalizeDomain(domain()).equals(op.domain());
    }

    /** Input tensor names in order; {@code ""} marks an omitted optional input. */
    public List<String> inputs() {
        return List.copyOf(live().getInputList());
    }

    /** Input {@code index}, or {@code ""} when the node has fewer inputs (an omitted optional one). */
    public String input(int index) {
        return index < live().getInputCount() ? proto.getInput(index) : "";
    }

    /** Number of inputs, omitted optional ones included. */
    public int inputCount() {
        return live().getInputCount();
    }

    /** Output tensor names in order. */
    public List<String> outputs() {
        return List.copyOf(live().getOutputList());
    }

    /** Output {@code index}. */
    public String output(int index) {
        return live().getOutput(index);
    }

    /** Number of outputs. */
    public int outputCount() {
        return live().getOutputCount();
    }

    /**
     * Makes input {@code index} read {@code tensor}; an index one past the end appends an input,
     * padding with omitted ({@code ""}) inputs is not done.
     */
    public void setInput(int index, String tensor) {
        NodeProto.Builder node = live();
        if (index == node.getInputCount()) {
            node.addInput(tensor);
        } else if (index >= 0 && index < node.getInputCount()) {
            node.setInput(index, tensor);
        } else {
            throw new IndexOutOfBoundsException("Node " + label() + " has " + node.getInputCount()
                    + " inputs; cannot set input " + index);
        }
        graph.changed();
    }

    /** Attribute names in stored order. */
    public List<String> attributeNames() {
        return live().getAttributeList().stream().map(AttributeProto::getName).toList();
    }

    /** True when the node sets attribute {@code name}. */
    public boolean hasAttribute(String name) {
        return indexOf(name) >= 0;
    }

    /** Every attribute as a Java value (see {@link AttributeType}), in stored order. */
    public Map<String, Object> attributes() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String name : attributeNames()) {
            values.put(name, attribute(name).orElseThrow());
        }
        return Collections.unmodifiableMap(values);
    }

    /**
     * The attribute as a Java value (see {@link AttributeType}). {@code GRAPH} gives a live {@link Graph}
     * view of the subgraph: its edits are written, but are not validated against this graph's scope.
     */
    public Optional<Object> attribute(String name) {
        int index = indexOf(name);
        if (index < 0) {
            return Optional.empty();
        }
        return Optional.of(Attributes.toJava(proto.getAttributeBuilder(index), graph, label()));
    }

    /** An INT attribute, or {@code defaultValue} when absent. */
    public long attributeInt(String name, long defaultValue) {
        return attribute(name).map(v -> (long) typed(name, v, Long.class)).orElse(defaultValue);
    }

    /** A FLOAT attribute, or {@code defaultValue} when absent. */
    public float attributeFloat(String name, float defaultValue) {
        return attribute(name).map(v -> (float) typed(name, v, Float.class)).orElse(defaultValue);
    }

    /** A STRING attribute, or {@code defaultValue} when absent. */
    public String attributeString(String name, String defaultValue) {
        return attribute(name).map(v -> typed(name, v, String.class)).orElse(defaultValue);
    }

    /** An INTS attribute, or {@code defaultValue} when absent. */
    public long[] attributeInts(String name, long... defaultValue) {
        return attribute(name).map(v -> typed(name, v, long[].class)).orElse(defaultValue);
    }

    /** A TENSOR attribute (e.g. a Constant's {@code value}). */
    public Optional<TensorData> attributeTensor(String name) {
        return attribute(name).map(v -> typed(name, v, TensorData.class));
    }

    /**
     * Sets (adds or replaces) an attribute. When the catalog knows the operator, the name and the
     * value's type are checked against its schema.
     *
     * @throws ModelFormatException INVALID_MODEL for an attribute the schema does not list or a value of the wrong type
     */
    public void setAttribute(String name, Object value) {
        AttributeType expected = null;
        Optional<Op> op = op();
        if (op.isPresent()) {
            OpSchema schema = op.get().schema();
            expected = schema.attribute(name).map(AttributeSpec::type).orElseThrow(() -> new ModelFormatException(
                    Code.INVALID_MODEL, "Setting attribute on " + label() + ", " + schema.signature()
                            + ": unexpected attribute '" + name + "'; expected one of "
                            + schema.attributes().stream().map(AttributeSpec::name).toList()));
        }
        AttributeProto attribute = Attributes.toProto(name, value, expected, "Setting attribute on " + label());
        int index = indexOf(name);
        if (index >= 0) {
            live().setAttribute(index, attribute);
        } else {
            live().addAttribute(attribute);
        }
        graph.changed();
    }

    /** Removes an attribute; returns whether it existed. */
    public boolean removeAttribute(String name) {
        int index = indexOf(name);
        if (index >= 0) {
            live().removeAttribute(index);
            graph.changed();
        }
        return index >= 0;
    }

    /** {@code 'name' (OpType)}, as used in messages. */
    public String label() {
        return "'" + proto.getName() + "' (" + (proto.getDomain().isEmpty() ? "" : proto.getDomain() + ":")
                + proto.getOpType() + ")";
    }

    /** Points the handle at the node's new builder after the graph reordered its nodes. */
    void rebind(NodeProto.Builder moved) {
        this.proto = moved;
    }

    NodeProto.Builder proto() {
        return live();
    }

    private int indexOf(String name) {
        NodeProto.Builder node = live();
        for (int i = 0; i < node.getAttributeCount(); i++) {
            if (node.getAttribute(i).getName().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private <T> T typed(String name, Object value, Class<T> type) {
        if (!type.isInstance(value)) {
            throw new ModelFormatException(Code.INVALID_MODEL, "Attribute '" + name + "' of " + label() + " is "
                    + value.getClass().getSimpleName() + "; expected " + type.getSimpleName());
        }
        return type.cast(value);
    }

    private NodeProto.Builder live() {
        if (!graph.holds(proto)) {
            throw new IllegalStateException("Node " + label() + " was removed from its graph");
        }
        return proto;
    }

    @Override
    public String toString() {
        return "Node" + label() + " " + proto.getInputList() + " -> " + proto.getOutputList();
    }
}
