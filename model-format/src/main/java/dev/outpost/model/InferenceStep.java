package dev.outpost.model;

import dev.outpost.model.proto.Onnx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One node under shape inference: typed access to its inputs (type and shape, constant contents),
 * its attributes and the opset, and the place where a rule writes its outputs. Internal, single-use.
 */
final class InferenceStep {

    private final Onnx.NodeProto node;
    private final long opset;
    private final Map<String, TypeAndShape> known;
    private final Map<String, ConstValue> constants;
    private final TypeAndShape[] outputs;
    private final ConstValue[] outputValues;

    InferenceStep(Onnx.NodeProto node, long opset, Map<String, TypeAndShape> known,
                  Map<String, ConstValue> constants) {
        this.node = node;
        this.opset = opset;
        this.known = known;
        this.constants = constants;
        this.outputs = new TypeAndShape[node.getOutputCount()];
        this.outputValues = new ConstValue[node.getOutputCount()];
    }

    Onnx.NodeProto node() {
        return node;
    }

    /** The opset version of the node's domain. */
    long opset() {
        return opset;
    }

    /** "Conv 'conv1'" style description for messages. */
    String describe() {
        return (node.getDomain().isEmpty() ? "" : node.getDomain() + ":") + node.getOpType()
                + " node '" + (node.getName().isEmpty() ? node.getOutput(0) : node.getName()) + "'";
    }

    /** True when input {@code index} is present (not omitted, not the empty name). */
    boolean hasInput(int index) {
        return index < node.getInputCount() && !node.getInput(index).isEmpty();
    }

    int inputCount() {
        return node.getInputCount();
    }

    int outputCount() {
        return node.getOutputCount();
    }

    /** Type and shape of input {@code index}; unresolvable when absent or unknown. */
    TypeAndShape input(int index) throws UnresolvedShape {
        if (!hasInput(index)) {
            throw new UnresolvedShape(describe() + " has no input " + index);
        }
        String name = node.getInput(index);
        TypeAndShape value = known.get(name);
        if (value == null || !value.shape().rankKnown()) {
            throw new UnresolvedShape("input '" + name + "' of " + describe() + " is unresolved");
        }
        return value;
    }

    Shape shape(int index) throws UnresolvedShape {
        return input(index).shape();
    }

    ElementType type(int index) throws UnresolvedShape {
        return input(index).elementType();
    }

    /** The constant contents of input {@code index}, or null when it is not a known constant. */
    ConstValue constant(int index) {
        return hasInput(index) ? constants.get(node.getInput(index)) : null;
    }

    /** The constant contents of a required shape-like input; unresolvable when not constant. */
    ConstValue requireConstant(int index, String what) throws UnresolvedShape {
        if (!hasInput(index)) {
            throw new UnresolvedShape(describe() + " has no '" + what + "' input");
        }
        ConstValue value = constant(index);
        if (value == null) {
            throw new UnresolvedShape("'" + what + "' input '" + node.getInput(index) + "' of " + describe()
                    + " is computed at run time, not a constant that can be folded");
        }
        return value;
    }

    Onnx.AttributeProto attribute(String name) {
        for (Onnx.AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals(name)) {
                return attribute;
            }
        }
        return null;
    }

    boolean hasAttribute(String name) {
        return attribute(name) != null;
    }

    long intAttr(String name, long fallback) {
        Onnx.AttributeProto attribute = attribute(name);
        return attribute == null ? fallback : attribute.getI();
    }

    float floatAttr(String name, float fallback) {
        Onnx.AttributeProto attribute = attribute(name);
        return attribute == null ? fallback : attribute.getF();
    }

    String stringAttr(String name, String fallback) {
        Onnx.AttributeProto attribute = attribute(name);
        return attribute == null ? fallback : attribute.getS().toStringUtf8();
    }

    /** The INTS attribute, or null when absent. */
    long[] intsAttr(String name) {
        Onnx.AttributeProto attribute = attribute(name);
        return attribute == null ? null : attribute.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    float[] floatsAttr(String name) {
        Onnx.AttributeProto attribute = attribute(name);
        if (attribute == null) {
            return null;
        }
        float[] values = new float[attribute.getFloatsCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = attribute.getFloats(i);
        }
        return values;
    }

    /** Normalizes a possibly negative axis against {@code rank}; mismatch when out of range. */
    int axis(long axis, int rank) {
        long normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank) {
            throw mismatch("axis " + axis + " is outside [-" + rank + ", " + (rank - 1) + "] for a rank-" + rank
                    + " input");
        }
        return (int) normalized;
    }

    /** A SHAPE_MISMATCH naming this node. */
    ModelFormatException mismatch(String detail) {
        return new ModelFormatException(ModelFormatException.Code.SHAPE_MISMATCH, describe() + ": " + detail);
    }

    UnresolvedShape unresolved(String detail) {
        return new UnresolvedShape(describe() + ": " + detail);
    }

    void output(int index, ElementType type, Shape shape) {
        if (index < outputs.length && !node.getOutput(index).isEmpty()) {
            outputs[index] = new TypeAndShape(type, shape);
        }
    }

    void output(int index, ElementType type, List<Shape.Dim> dims) {
        output(index, type, Shape.of(dims));
    }

    /** Records an output together with its folded constant contents. */
    void outputValue(int index, ConstValue value) {
        output(index, value.type(), value.shape());
        if (index < outputValues.length) {
            outputValues[index] = value;
        }
    }

    TypeAndShape outputAt(int index) {
        return outputs[index];
    }

    ConstValue outputValueAt(int index) {
        return outputValues[index];
    }

    static List<Shape.Dim> dims(long... values) {
        List<Shape.Dim> list = new ArrayList<>(values.length);
        Arrays.stream(values).forEach(value -> list.add(Shape.Dim.of(value)));
        return list;
    }
}
