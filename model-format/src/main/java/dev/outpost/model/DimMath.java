package dev.outpost.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Arithmetic on dimensions that may be symbolic: numpy broadcasting, sliding-window output sizes and
 * products. A computation that needs the value of a symbol yields {@link Shape.Dim#unknown()}, never a
 * guess. Internal.
 */
final class DimMath {

    private DimMath() {
    }

    /** Numpy (multidirectional) broadcasting of two shapes; SHAPE_MISMATCH naming both when impossible. */
    static Shape broadcast(InferenceStep step, Shape left, Shape right) {
        int rank = Math.max(left.rank(), right.rank());
        List<Shape.Dim> result = new ArrayList<>(rank);
        for (int i = 0; i < rank; i++) {
            int leftAxis = i - (rank - left.rank());
            int rightAxis = i - (rank - right.rank());
            Shape.Dim a = leftAxis >= 0 ? left.dim(leftAxis) : Shape.Dim.of(1);
            Shape.Dim b = rightAxis >= 0 ? right.dim(rightAxis) : Shape.Dim.of(1);
            result.add(broadcastDim(step, a, b, left, right));
        }
        return Shape.of(result);
    }

    private static Shape.Dim broadcastDim(InferenceStep step, Shape.Dim a, Shape.Dim b, Shape left, Shape right) {
        if (a.isKnown() && b.isKnown()) {
            if (a.value() == b.value() || b.value() == 1) {
                return a;
            }
            if (a.value() == 1) {
                return b;
            }
            throw step.mismatch("cannot broadcast shapes " + left + " and " + right + " (dimension " + a.value()
                    + " vs " + b.value() + ")");
        }
        if (a.isKnown()) {
            return a.value() == 1 ? b : a;
        }
        if (b.isKnown()) {
            return b.value() == 1 ? a : b;
        }
        return a.equals(b) ? a : Shape.Dim.unknown();
    }

    /**
     * Output size of a sliding window: floor or ceil of (in + pads - dilation*(k-1) - 1) / stride + 1.
     */
    static Shape.Dim window(Shape.Dim in, long padTotal, long kernel, long stride, long dilation, boolean ceil) {
        if (!in.isKnown()) {
            return Shape.Dim.unknown();
        }
        long span = in.value() + padTotal - dilation * (kernel - 1) - 1;
        long out = ceil ? Math.floorDiv(span + stride - 1, stride) + 1 : Math.floorDiv(span, stride) + 1;
        return Shape.Dim.of(Math.max(out, 0));
    }

    /** Product of dimensions: a number when all are known, otherwise unknown. */
    static Shape.Dim product(List<Shape.Dim> dims) {
        long result = 1;
        for (Shape.Dim dim : dims) {
            if (!dim.isKnown()) {
                return dims.size() == 1 ? dim : productWithSymbol(dims);
            }
            result = Math.multiplyExact(result, dim.value());
        }
        return Shape.Dim.of(result);
    }

    /** A product of ones and one symbol is that symbol; anything else with a symbol is unknown. */
    private static Shape.Dim productWithSymbol(List<Shape.Dim> dims) {
        Shape.Dim symbol = null;
        for (Shape.Dim dim : dims) {
            if (dim.isKnown()) {
                if (dim.value() != 1) {
                    return Shape.Dim.unknown();
                }
            } else if (symbol != null || !dim.isSymbolic()) {
                return Shape.Dim.unknown();
            } else {
                symbol = dim;
            }
        }
        return symbol;
    }

    /** {@code dim * factor}: exact for a number, the same symbol when the factor is 1, else unknown. */
    static Shape.Dim times(Shape.Dim dim, long factor) {
        if (dim.isKnown()) {
            return Shape.Dim.of(Math.multiplyExact(dim.value(), factor));
        }
        return factor == 1 ? dim : Shape.Dim.unknown();
    }

    /** Sum of dimensions along a concat axis: a number when all are known, else unknown. */
    static Shape.Dim sum(List<Shape.Dim> dims) {
        long total = 0;
        for (Shape.Dim dim : dims) {
            if (!dim.isKnown()) {
                return dims.size() == 1 ? dim : Shape.Dim.unknown();
            }
            total += dim.value();
        }
        return Shape.Dim.of(total);
    }

    /** Two dimensions that must be equal: SHAPE_MISMATCH when both are numbers and differ. */
    static void requireEqual(InferenceStep step, Shape.Dim a, Shape.Dim b, String what) {
        if (a.isKnown() && b.isKnown() && a.value() != b.value()) {
            throw step.mismatch(what + ": " + a.value() + " vs " + b.value());
        }
    }
}
