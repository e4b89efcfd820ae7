package dev.outpost.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shape rules of the matrix products: Gemm (transA/transB), MatMul with numpy semantics (batched
 * broadcast, 1-D operands) and its integer and QLinear forms. Inner dimensions that disagree are a
 * SHAPE_MISMATCH naming both shapes. Internal.
 */
final class MatrixRules {

    private MatrixRules() {
    }

    static void register(Map<String, ShapeRule> rules) {
        rules.put("MatMul", step -> matMul(step, 0, 1, step.type(0)));
        rules.put("MatMulInteger", step -> matMul(step, 0, 1, ElementType.INT32));
        rules.put("QLinearMatMul", step -> matMul(step, 0, 3, step.hasInput(7) ? step.type(7) : step.type(0)));
        rules.put("Gemm", MatrixRules::gemm);
    }

    static Shape matMulShape(InferenceStep step, Shape left, Shape right) {
        if (left.rank() == 0 || right.rank() == 0) {
            throw step.mismatch("MatMul needs operands of rank >= 1; got " + left + " and " + right);
        }
        List<Shape.Dim> a = new ArrayList<>(left.dims());
        List<Shape.Dim> b = new ArrayList<>(right.dims());
        boolean leftVector = a.size() == 1;
        boolean rightVector = b.size() == 1;
        if (leftVector) {
            a.add(0, Shape.Dim.of(1));
        }
        if (rightVector) {
            b.add(Shape.Dim.of(1));
        }
        Shape.Dim inner = a.get(a.size() - 1);
        Shape.Dim innerRight = b.get(b.size() - 2);
        if (inner.isKnown() && innerRight.isKnown() && inner.value() != innerRight.value()) {
            throw step.mismatch("inner dimensions disagree: " + left + " x " + right + " (" + inner.value()
                    + " vs " + innerRight.value() + ")");
        }
        Shape batch = DimMath.broadcast(step, Shape.of(a.subList(0, a.size() - 2)), Shape.of(b.subList(0, b.size() - 2)));
        List<Shape.Dim> out = new ArrayList<>(batch.dims());
        if (!leftVector) {
            out.add(a.get(a.size() - 2));
        }
        if (!rightVector) {
            out.add(b.get(b.size() - 1));
        }
        return Shape.of(out);
    }

    private static void matMul(InferenceStep step, int leftIndex, int rightIndex, ElementType type)
            throws UnresolvedShape {
        step.output(0, type, matMulShape(step, step.shape(leftIndex), step.shape(rightIndex)));
    }

    private static void gemm(InferenceStep step) throws UnresolvedShape {
        Shape a = step.shape(0);
        Shape b = step.shape(1);
        if (a.rank() != 2 || b.rank() != 2) {
            throw step.mismatch("Gemm needs 2-D A and B; got A " + a + " and B " + b);
        }
        boolean transA = step.intAttr("transA", 0) != 0;
        boolean transB = step.intAttr("transB", 0) != 0;
        Shape.Dim m = a.dim(transA ? 1 : 0);
        Shape.Dim k = a.dim(transA ? 0 : 1);
        Shape.Dim kB = b.dim(transB ? 1 : 0);
        Shape.Dim n = b.dim(transB ? 0 : 1);
        if (k.isKnown() && kB.isKnown() && k.value() != kB.value()) {
            throw step.mismatch("inner dimensions disagree: A " + a + (transA ? "^T" : "") + " x B " + b
                    + (transB ? "^T" : "") + " (" + k.value() + " vs " + kB.value() + ")");
        }
        Shape out = Shape.of(List.of(m, n));
        if (step.hasInput(2)) {
            DimMath.broadcast(step, out, step.shape(2));
        }
        step.output(0, step.type(0), out);
    }
}
