package dev.outpost.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shape rules of the quantization operators: QuantizeLinear/DequantizeLinear (standard and
 * com.microsoft), DynamicQuantizeLinear and the com.microsoft QLinear elementwise ops and QLinearConcat.
 * QLinearConv, QLinearMatMul, ConvInteger and MatMulInteger live with their float forms. Internal.
 */
final class QuantRules {

    private QuantRules() {
    }

    static void register(Map<String, ShapeRule> rules) {
        rules.put("QuantizeLinear", QuantRules::quantize);
        rules.put("com.microsoft:QuantizeLinear", QuantRules::quantize);
        rules.put("DequantizeLinear", QuantRules::dequantize);
        rules.put("com.microsoft:DequantizeLinear", QuantRules::dequantize);
        rules.put("DynamicQuantizeLinear", step -> {
            step.output(0, ElementType.UINT8, step.shape(0));
            step.output(1, ElementType.FLOAT, Shape.scalar());
            step.output(2, ElementType.UINT8, Shape.scalar());
        });
        rules.put("com.microsoft:QLinearAdd", QuantRules::qlinearBinary);
        rules.put("com.microsoft:QLinearMul", QuantRules::qlinearBinary);
        rules.put("com.microsoft:QLinearSigmoid", ElementwiseRules::sameAsFirst);
        rules.put("com.microsoft:QLinearLeakyRelu", ElementwiseRules::sameAsFirst);
        rules.put("com.microsoft:QLinearSoftmax", ElementwiseRules::sameAsFirst);
        rules.put("com.microsoft:QLinearConcat", QuantRules::qlinearConcat);
    }

    private static void quantize(InferenceStep step) throws UnresolvedShape {
        ElementType type;
        if (step.hasInput(2)) {
            type = step.type(2);
        } else if (step.hasAttribute("output_dtype") && step.intAttr("output_dtype", 0) != 0) {
            type = ElementType.ofCode((int) step.intAttr("output_dtype", 0));
        } else {
            type = ElementType.UINT8;
        }
        step.output(0, type, step.shape(0));
    }

    private static void dequantize(InferenceStep step) throws UnresolvedShape {
        ElementType type = step.opset() >= 19 && step.hasInput(1) ? step.type(1) : ElementType.FLOAT;
        step.output(0, type, step.shape(0));
    }

    private static void qlinearBinary(InferenceStep step) throws UnresolvedShape {
        step.output(0, step.type(0), DimMath.broadcast(step, step.shape(0), step.shape(3)));
    }

    private static void qlinearConcat(InferenceStep step) throws UnresolvedShape {
        Shape first = step.shape(2);
        int axis = step.axis(step.intAttr("axis", 0), first.rank());
        List<Shape.Dim> out = new ArrayList<>(first.dims());
        List<Shape.Dim> along = new ArrayList<>();
        for (int i = 2; i < step.inputCount(); i += 3) {
            Shape shape = step.shape(i);
            if (shape.rank() != first.rank()) {
                throw step.mismatch("input " + i + " has shape " + shape + "; input 2 has " + first);
            }
            along.add(shape.dim(axis));
        }
        out.set(axis, DimMath.sum(along));
        step.output(0, step.type(2), out);
    }
}
