package dev.outpost.model;

import dev.outpost.model.proto.Onnx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts multiply-accumulates per compute node from inferred shapes, independently of any producer's
 * numbers: Conv-like ops {@code out_elems * (Cin/groups) * prod(kernel)}, ConvTranspose
 * {@code in_elems * (Cout/groups) * prod(kernel)}, Gemm {@code M*N*K}, MatMul {@code out_elems * K}.
 * Symbolic dimensions count as 1 and the node says so. Each node also says whether it computes on
 * 8-bit integers (an integer op, or the QDQ pattern around a float one). Internal.
 */
final class MacCounter {

    private MacCounter() {
    }

    /** Index of the weight input for conv-like ops, or -1 when the op is not a conv. */
    private static int convWeightIndex(String opType) {
        return switch (opType) {
            case "Conv", "ConvInteger", "ConvTranspose" -> 1;
            case "QLinearConv" -> 3;
            default -> -1;
        };
    }

    /** Index of the right operand for matmul-like ops, or -1. */
    private static int matMulRightIndex(String opType) {
        return switch (opType) {
            case "MatMul", "MatMulInteger", "Gemm" -> 1;
            case "QLinearMatMul" -> 3;
            default -> -1;
        };
    }

    static boolean isCompute(Onnx.NodeProto node) {
        return convWeightIndex(node.getOpType()) >= 0 || matMulRightIndex(node.getOpType()) >= 0;
    }

    static ModelReport.Compute count(List<Onnx.NodeProto> order, InferredTypes types) {
        List<ModelReport.NodeMacs> nodes = new ArrayList<>();
        List<String> uncounted = new ArrayList<>();
        long total = 0;
        boolean assumed = false;
        Map<String, Onnx.NodeProto> producers = new HashMap<>();
        for (Onnx.NodeProto node : order) {
            node.getOutputList().forEach(output -> producers.put(output, node));
        }
        for (Onnx.NodeProto node : order) {
            if (!isCompute(node)) {
                continue;
            }
            String name = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
            ModelReport.NodeMacs macs = macs(node, name, types, isInteger(node, producers, types));
            if (macs == null) {
                uncounted.add(name);
                continue;
            }
            nodes.add(macs);
            total = Math.addExact(total, macs.macs());
            assumed |= macs.batchAssumedOne();
        }
        return new ModelReport.Compute(total, nodes, assumed, uncounted);
    }

    /** An integer op, or a float Conv/Gemm/MatMul whose data and weight are both dequantized 8-bit values. */
    private static boolean isInteger(Onnx.NodeProto node, Map<String, Onnx.NodeProto> producers, InferredTypes types) {
        String op = node.getOpType();
        if (!op.equals("Conv") && !op.equals("ConvTranspose") && !op.equals("Gemm") && !op.equals("MatMul")) {
            return true;
        }
        return node.getInputCount() >= 2 && dequantized8Bit(node.getInput(0), producers, types)
                && dequantized8Bit(node.getInput(1), producers, types);
    }

    private static boolean dequantized8Bit(String tensor, Map<String, Onnx.NodeProto> producers, InferredTypes types) {
        Onnx.NodeProto producer = producers.get(tensor);
        if (producer == null || !producer.getOpType().equals("DequantizeLinear") || producer.getInputCount() == 0) {
            return false;
        }
        ElementType type = types.find(producer.getInput(0)).map(TypeAndShape::elementType).orElse(null);
        return type == ElementType.INT8 || type == ElementType.UINT8;
    }

    private static ModelReport.NodeMacs macs(Onnx.NodeProto node, String name, InferredTypes types, boolean integer) {
        String op = node.getOpType();
        Shape output = shapeOf(types, node.getOutput(0));
        int weightIndex = convWeightIndex(op);
        if (weightIndex >= 0) {
            Shape weight = shapeOf(types, input(node, weightIndex));
            Shape data = shapeOf(types, input(node, 0));
            if (output == null || weight == null || data == null || weight.rank() < 3) {
                return null;
            }
            long perOutput = product(weight.dims().subList(1, weight.rank()));
            Shape counted = op.equals("ConvTranspose") ? data : output;
            return new ModelReport.NodeMacs(name, op, Math.multiplyExact(product(counted.dims()), perOutput),
                    symbolic(counted) || symbolic(weight), integer);
        }
        Shape left = shapeOf(types, input(node, 0));
        Shape right = shapeOf(types, input(node, matMulRightIndex(op)));
        if (output == null || left == null || right == null || left.rank() < 1) {
            return null;
        }
        Shape.Dim inner;
        if (op.equals("Gemm")) {
            inner = left.dim(node.getAttributeList().stream()
                    .anyMatch(a -> a.getName().equals("transA") && a.getI() != 0) ? 0 : 1);
        } else {
            inner = left.dim(left.rank() - 1);
        }
        long k = inner.isKnown() ? inner.value() : 1;
        return new ModelReport.NodeMacs(name, op, Math.multiplyExact(product(output.dims()), k),
                symbolic(output) || !inner.isKnown(), integer);
    }

    private static String input(Onnx.NodeProto node, int index) {
        return index < node.getInputCount() ? node.getInput(index) : "";
    }

    private static Shape shapeOf(InferredTypes types, String tensor) {
        return tensor.isEmpty() ? null : types.find(tensor).map(TypeAndShape::shape).orElse(null);
    }

    /** Product with symbolic dimensions taken as 1. */
    static long product(List<Shape.Dim> dims) {
        long result = 1;
        for (Shape.Dim dim : dims) {
            result = Math.multiplyExact(result, dim.isKnown() ? dim.value() : 1);
        }
        return result;
    }

    static boolean symbolic(Shape shape) {
        return shape.dims().stream().anyMatch(dim -> !dim.isKnown());
    }
}
