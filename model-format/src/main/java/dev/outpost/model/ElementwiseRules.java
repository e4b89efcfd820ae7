package dev.outpost.model;

import java.util.Map;

/**
 * Shape rules of elementwise operators: unary ops keep their input's shape, binary and variadic ops
 * broadcast numpy-style, comparisons yield bool, Cast changes only the type. Integer constants are
 * folded through Add/Sub/Mul/Div/Cast/Identity so shape computations stay known. Internal.
 */
final class ElementwiseRules {

    private ElementwiseRules() {
    }

    private static final String[] UNARY = {
        "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Exp", "Log",
        "Sqrt", "Neg", "Abs", "Erf", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Reciprocal", "Floor",
        "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Gelu", "Mish",
        "ThresholdedRelu", "Softmax", "LogSoftmax", "Hardmax", "LRN", "InstanceNormalization",
        "LpNormalization", "MeanVarianceNormalization", "Shrink", "CumSum", "BitwiseNot"};

    private static final String[] BINARY = {
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor"};

    private static final String[] VARIADIC = {"Max", "Min", "Sum", "Mean"};

    private static final String[] COMPARISON = {
        "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor"};

    static void register(Map<String, ShapeRule> rules) {
        for (String op : UNARY) {
            rules.put(op, ElementwiseRules::sameAsFirst);
        }
        for (String op : BINARY) {
            rules.put(op, ElementwiseRules::binary);
        }
        for (String op : VARIADIC) {
            rules.put(op, step -> broadcastAll(step, step.type(0)));
        }
        for (String op : COMPARISON) {
            rules.put(op, step -> broadcastAll(step, ElementType.BOOL));
        }
        rules.put("Not", step -> step.output(0, ElementType.BOOL, step.shape(0)));
        rules.put("IsNaN", step -> step.output(0, ElementType.BOOL, step.shape(0)));
        rules.put("IsInf", step -> step.output(0, ElementType.BOOL, step.shape(0)));
        rules.put("Where", ElementwiseRules::where);
        rules.put("Cast", ElementwiseRules::cast);
        rules.put("Identity", ElementwiseRules::identity);
        rules.put("Dropout", ElementwiseRules::dropout);
        rules.put("BatchNormalization", ElementwiseRules::batchNormalization);
        rules.put("LayerNormalization", ElementwiseRules::sameAsFirst);
    }

    static void sameAsFirst(InferenceStep step) throws UnresolvedShape {
        step.output(0, step.type(0), step.shape(0));
    }

    private static void broadcastAll(InferenceStep step, ElementType type) throws UnresolvedShape {
        Shape shape = step.shape(0);
        for (int i = 1; i < step.inputCount(); i++) {
            shape = DimMath.broadcast(step, shape, step.shape(i));
        }
        step.output(0, type, shape);
    }

    private static void binary(InferenceStep step) throws UnresolvedShape {
        broadcastAll(step, step.type(0));
        ConstValue left = step.constant(0);
        ConstValue right = step.constant(1);
        if (left == null || right == null || !left.isInteger() || !right.isInteger()
                || !left.allNumbers() || !right.allNumbers()) {
            return;
        }
        int size = Math.max(left.size(), right.size());
        if ((left.size() != size && left.size() != 1) || (right.size() != size && right.size() != 1)) {
            return;
        }
        long[] values = new long[size];
        for (int i = 0; i < size; i++) {
            long a = left.ints()[left.size() == 1 ? 0 : i];
            long b = right.ints()[right.size() == 1 ? 0 : i];
            switch (step.node().getOpType()) {
                case "Add" -> values[i] = a + b;
                case "Sub" -> values[i] = a - b;
                case "Mul" -> values[i] = a * b;
                case "Div" -> {
                    if (b == 0) {
                        return;
                    }
                    values[i] = a / b;
                }
                default -> {
                    return;
                }
            }
        }
        Shape shape = step.outputAt(0).shape();
        if (shape.isStatic() && shape.elementCount() == size) {
            step.outputValue(0, ConstValue.ofInts(step.type(0), shape.toArray(), values));
        }
    }

    private static void where(InferenceStep step) throws UnresolvedShape {
        Shape shape = DimMath.broadcast(step, DimMath.broadcast(step, step.shape(0), step.shape(1)), step.shape(2));
        step.output(0, step.type(1), shape);
    }

    private static void cast(InferenceStep step) throws UnresolvedShape {
        ElementType target = ElementType.fromCode((int) step.intAttr("to", 0))
                .orElseThrow(() -> step.mismatch("attribute 'to' = " + step.intAttr("to", 0)
                        + " is not an ONNX element type"));
        step.output(0, target, step.shape(0));
        ConstValue value = step.constant(0);
        if (value != null && value.isInteger() && !target.isFloat()) {
            step.outputValue(0, new ConstValue(target, value.dims(), value.ints(), null, value.symbols()));
        } else if (value != null && value.allNumbers() && target.isFloat()) {
            step.outputValue(0, new ConstValue(target, value.dims(), null, value.doubles(), null));
        } else if (value != null && !value.isInteger() && !target.isFloat() && target != ElementType.BOOL) {
            step.outputValue(0, ConstValue.ofInts(target, value.dims(), value.longs()));
        }
    }

    private static void identity(InferenceStep step) throws UnresolvedShape {
        step.output(0, step.type(0), step.shape(0));
        ConstValue value = step.constant(0);
        if (value != null) {
            step.outputValue(0, value);
        }
    }

    private static void dropout(InferenceStep step) throws UnresolvedShape {
        step.output(0, step.type(0), step.shape(0));
        step.output(1, step.opset() < 10 ? step.type(0) : ElementType.BOOL, step.shape(0));
    }

    private static void batchNormalization(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        step.output(0, step.type(0), input);
        if (input.rank() >= 2) {
            for (int i = 1; i < Math.min(5, step.inputCount()); i++) {
                if (step.hasInput(i)) {
                    Shape parameter = step.shape(i);
                    if (parameter.rank() == 1) {
                        DimMath.requireEqual(step, input.dim(1), parameter.dim(0),
                                "input " + i + " has " + parameter.dim(0) + " values; channels of " + input);
                    }
                }
            }
            Shape channels = Shape.of(java.util.List.of(input.dim(1)));
            for (int i = 1; i < step.outputCount(); i++) {
                step.output(i, step.type(0), channels);
            }
        }
    }
}
