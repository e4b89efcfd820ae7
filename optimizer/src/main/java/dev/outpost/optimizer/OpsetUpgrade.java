package dev.outpost.optimizer;

import dev.outpost.model.Graph;
import dev.outpost.model.InferredTypes;
import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.Shape;
import dev.outpost.model.TensorData;
import dev.outpost.model.TypeAndShape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Raises a model's default-domain opset to {@value #TARGET}, the first with per-channel
 * QuantizeLinear/DequantizeLinear ({@code axis}), rewriting the operators whose definition changed on
 * the way: attributes that became inputs (Squeeze, Unsqueeze, Clip, Pad, Split, ReduceSum), Softmax's
 * new axis semantics (before 13 it flattened the trailing dimensions), Resize-10's implicit asymmetric
 * coordinates, legacy BatchNormalization attributes and Dropout (dropped: inference only). Operators
 * whose change it cannot express are refused with the node's name, before anything is changed.
 *
 * <p>Stateless; edits the model given.
 */
final class OpsetUpgrade {

    /** The opset this upgrade produces. */
    static final long TARGET = 13;

    /**
     * Operators whose definition changed before {@value #TARGET} in ways this upgrade does not rewrite,
     * with the first opset of the definition it can keep (0: never).
     */
    private static final Map<String, Long> REFUSED_BELOW = Map.of("Upsample", Long.MAX_VALUE, "Scatter",
            Long.MAX_VALUE, "TopK", 10L, "Slice", 10L, "Gemm", 7L, "Add", 7L, "Sub", 7L, "Mul", 7L, "Div", 7L);

    private OpsetUpgrade() {
    }

    /**
     * Upgrades the model in place when its opset is below {@value #TARGET}; returns what it changed
     * (empty when nothing).
     *
     * @param types the model's inferred shapes (Softmax needs the rank of its input)
     * @throws OptimizerException UNSUPPORTED_MODEL naming the node and operator that cannot be upgraded
     */
    static List<String> apply(OnnxModel model, InferredTypes types) {
        long from = model.opsetVersion("").orElse(1);
        if (from >= TARGET) {
            return List.of();
        }
        Graph graph = model.graph();
        for (Node node : graph.nodes()) {
            if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) {
                continue;
            }
            String op = node.opType();
            boolean refused = from < REFUSED_BELOW.getOrDefault(op, 0L);
            if (refused || op.equals("Resize") && node.attributeString("coordinate_transformation_mode", "")
                    .equals("tf_half_pixel_for_nn")) {
                throw new OptimizerException(OptimizerException.Code.UNSUPPORTED_MODEL, "Cannot raise opset "
                        + from + " to " + TARGET + " (needed for per-channel quantization): node " + node.label()
                        + " uses a definition of " + op + " that changed in between; export the model at opset "
                        + TARGET + " or newer, or quantize per tensor (without --per-channel)");
            }
        }
        List<String> changes = new ArrayList<>();
        for (Node node : List.copyOf(graph.nodes())) {
            if (!node.domain().isEmpty()) {
                continue;
            }
            switch (node.opType()) {
                case "Squeeze", "Unsqueeze", "ReduceSum" -> attributeToInput(graph, node, "axes", 1, changes);
                case "Split" -> attributeToInput(graph, node, "split", 1, changes);
                case "Clip" -> clip(graph, node, changes);
                case "Pad" -> pad(graph, node, changes);
                case "Softmax", "LogSoftmax", "Hardmax" -> softmax(node, types);
                case "Dropout" -> {
                    graph.bypass(node);
                    changes.add("removed " + node.label() + " (inference)");
                }
                case "BatchNormalization" -> {
                    for (String legacy : List.of("spatial", "is_test", "consumed_inputs")) {
                        if (node.removeAttribute(legacy)) {
                            changes.add("dropped " + legacy + " of " + node.label());
                        }
                    }
                }
                case "Resize" -> resize(graph, node, from, changes);
                default -> {
                }
            }
        }
        model.setOpsetImport("", TARGET);
        if (model.irVersion() < 7) {
            model.setIrVersion(7);
        }
        changes.add(0, "opset " + from + " -> " + TARGET);
        return changes;
    }

    private static void attributeToInput(Graph graph, Node node, String attribute, int inputIndex,
            List<String> changes) {
        if (!node.hasAttribute(attribute)) {
            return;
        }
        long[] values = node.attributeInts(attribute);
        node.removeAttribute(attribute);
        String name = graph.uniqueName(node.name() + "_" + attribute);
        graph.addInitializer(name, TensorData.vector(values));
        while (node.inputCount() < inputIndex) {
            node.setInput(node.inputCount(), "");
        }
        node.setInput(inputIndex, name);
        changes.add(attribute + " of " + node.label() + " moved to an input");
    }

    private static void clip(Graph graph, Node node, List<String> changes) {
        if (!node.hasAttribute("min") && !node.hasAttribute("max")) {
            return;
        }
        float min = node.attributeFloat("min", Float.NaN);
        float max = node.attributeFloat("max", Float.NaN);
        node.removeAttribute("min");
        node.removeAttribute("max");
        node.setInput(1, Float.isNaN(min) ? "" : scalar(graph, node, "min", min));
        if (!Float.isNaN(max)) {
            node.setInput(2, scalar(graph, node, "max", max));
        }
        changes.add("min/max of " + node.label() + " moved to inputs");
    }

    private static void pad(Graph graph, Node node, List<String> changes) {
        if (!node.hasAttribute("pads")) {
            return;
        }
        long[] pads = node.attributeInts("pads");
        float value = node.attributeFloat("value", 0f);
        node.removeAttribute("pads");
        node.removeAttribute("value");
        String padsName = graph.uniqueName(node.name() + "_pads");
        graph.addInitializer(padsName, TensorData.vector(pads));
        node.setInput(1, padsName);
        if (value != 0f) {
            node.setInput(2, scalar(graph, node, "value", value));
        }
        changes.add("pads of " + node.label() + " moved to inputs");
    }

    private static String scalar(Graph graph, Node node, String what, float value) {
        String name = graph.uniqueName(node.name() + "_" + what);
        graph.addInitializer(name, TensorData.ofFloats(new float[] {value}));
        return name;
    }

    /**
     * Before opset 13 Softmax flattened the input to 2-D at {@code axis} (default 1) and normalized each
     * row; from 13 it normalizes along {@code axis} alone. The two agree when every dimension after the
     * axis is 1 or the axis is the last one, which covers classifier heads; other cases are refused.
     */
    private static void softmax(Node node, InferredTypes types) {
        long axis = node.attributeInt("axis", 1);
        Optional<Shape> shape = types.find(node.input(0)).map(TypeAndShape::shape).filter(Shape::rankKnown);
        if (shape.isPresent()) {
            List<Shape.Dim> dims = shape.get().dims();
            int rank = dims.size();
            int a = (int) (axis < 0 ? axis + rank : axis);
            boolean trailingOnes = true;
            for (int d = a + 1; d < rank; d++) {
                trailingOnes &= dims.get(d).isKnown() && dims.get(d).value() == 1;
            }
            if (trailingOnes) {
                node.setAttribute("axis", (long) a);
                return;
            }
        }
        throw new OptimizerException(OptimizerException.Code.UNSUPPORTED_MODEL, "Cannot raise the opset of "
                + node.label() + " to " + TARGET + ": before 13 it normalized over all dimensions from axis " + axis
                + " of input " + shape.map(Object::toString).orElse("(shape unknown)")
                + ", from 13 over that axis alone; export the model at opset 13 or newer");
    }

    /** Resize-10 had inputs (X, scales) and asymmetric coordinates; from 11 roi sits between them. */
    private static void resize(Graph graph, Node node, long from, List<String> changes) {
        if (from >= 11) {
            return;
        }
        String scales = node.input(1);
        node.setInput(1, "");
        node.setInput(2, scales);
        node.setAttribute("coordinate_transformation_mode", "asymmetric");
        if (node.attributeString("mode", "nearest").equals("nearest")) {
            node.setAttribute("nearest_mode", "floor");
        }
        changes.add(node.label() + " given Resize-11 inputs and asymmetric coordinates");
    }
}
