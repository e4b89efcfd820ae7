package dev.outpost.model;

import dev.outpost.model.proto.Onnx;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts multiply-accumulates per compute node from inferred shapes, independently of any producer's
 * numbers: Conv-like ops {@code out_elems * (Cin/groups) * prod(kernel)}, ConvTranspose
 * {@code in_elems * (Cout/groups) * prod(kernel)}, Gemm {@code M*N*K}, MatMul {@code out_elems * K}.
 * Symbolic dimensions count as 1 and the node says so. Internal.
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
        for (Onnx.NodeProto node : order) {
            if (!isCompute(node)) {
                continue;
            }
            String name = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
            ModelReport.NodeMacs macs = macs(node, name, types);
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

    private static ModelReport.NodeMacs macs(Onnx.NodeProto node, String name, InferredTypes types) {
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
                    symbolic(counted) || symbolic(weight));
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
                symbolic(output) || !inner.isKnown());
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
