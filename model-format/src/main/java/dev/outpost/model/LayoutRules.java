package dev.outpost.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Shape rules of the operators that rearrange a tensor without computing on it: Reshape (0, -1,
 * allowzero, a target from a constant or a folded Shape chain), Transpose, Flatten, Concat, Split,
 * Squeeze/Unsqueeze (attribute and input forms), Expand, Tile, Pad, DepthToSpace and SpaceToDepth.
 * Constant 1-D integer tensors are folded through Reshape, Concat, Squeeze and Unsqueeze. Internal.
 */
final class LayoutRules {

    private LayoutRules() {
    }

    static void register(Map<String, ShapeRule> rules) {
        rules.put("Reshape", LayoutRules::reshape);
        rules.put("Transpose", LayoutRules::transpose);
        rules.put("Flatten", LayoutRules::flatten);
        rules.put("Concat", LayoutRules::concat);
        rules.put("Split", LayoutRules::split);
        rules.put("Squeeze", LayoutRules::squeeze);
        rules.put("Unsqueeze", LayoutRules::unsqueeze);
        rules.put("Expand", LayoutRules::expand);
        rules.put("Tile", LayoutRules::tile);
        rules.put("Pad", LayoutRules::pad);
        rules.put("DepthToSpace", step -> depthSpace(step, true));
        rules.put("SpaceToDepth", step -> depthSpace(step, false));
    }

    private static void reshape(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        ConstValue target;
        if (step.opset() < 5 && step.hasAttribute("shape")) {
            long[] values = step.intsAttr("shape");
            target = ConstValue.ofInts(ElementType.INT64, new long[] {values.length}, values);
        } else {
            target = step.requireConstant(1, "shape");
        }
        boolean allowZero = step.intAttr("allowzero", 0) == 1;
        List<Shape.Dim> out = new ArrayList<>();
        int inferredAt = -1;
        for (int i = 0; i < target.size(); i++) {
            if (target.isSymbolic(i)) {
                out.add(target.dimAt(i));
                continue;
            }
            long value = target.longs()[i];
            if (value == 0 && !allowZero) {
                if (i >= input.rank()) {
                    throw step.mismatch("target shape " + render(target) + " copies dimension " + i + " (0) but input "
                            + input + " has rank " + input.rank());
                }
                out.add(input.dim(i));
            } else if (value == -1) {
                if (inferredAt >= 0) {
                    throw step.mismatch("target shape " + render(target) + " has more than one -1");
                }
                inferredAt = i;
                out.add(Shape.Dim.unknown());
            } else if (value < -1) {
                throw step.mismatch("target shape " + render(target) + " has the invalid dimension " + value);
            } else {
                out.add(Shape.Dim.of(value));
            }
        }
        if (inferredAt >= 0) {
            out.set(inferredAt, inferDimension(step, input, out, inferredAt, target));
        } else if (input.isStatic() && Shape.of(out).isStatic()
                && input.elementCount() != Shape.of(out).elementCount()) {
            throw step.mismatch("cannot reshape " + input + " (" + input.elementCount() + " elements) to "
                    + Shape.of(out) + " (" + Shape.of(out).elementCount() + " elements)");
        }
        step.output(0, step.type(0), out);
        ConstValue data = step.constant(0);
        Shape shape = Shape.of(out);
        if (data != null && shape.isStatic() && shape.elementCount() == data.size()) {
            step.outputValue(0, new ConstValue(data.type(), shape.toArray(), data.ints(), data.reals(), data.symbols()));
        }
    }

    /** The -1 dimension: input element count over the other target dimensions, cancelling shared symbols. */
    private static Shape.Dim inferDimension(InferenceStep step, Shape input, List<Shape.Dim> out, int inferredAt,
                                            ConstValue target) {
        if (!input.rankKnown() || input.dims().stream().anyMatch(d -> !d.isKnown() && !d.isSymbolic())) {
            return Shape.Dim.unknown();
        }
        long inputKnown = 1;
        Map<String, Integer> symbols = new HashMap<>();
        for (Shape.Dim dim : input.dims()) {
            if (dim.isKnown()) {
                inputKnown *= dim.value();
            } else {
                symbols.merge(dim.symbol(), 1, Integer::sum);
            }
        }
        long outputKnown = 1;
        for (int i = 0; i < out.size(); i++) {
            Shape.Dim dim = out.get(i);
            if (i == inferredAt) {
                continue;
            }
            if (dim.isKnown()) {
                outputKnown *= dim.value();
            } else if (dim.isSymbolic() && symbols.getOrDefault(dim.symbol(), 0) > 0) {
                symbols.merge(dim.symbol(), -1, Integer::sum);
            } else {
                return Shape.Dim.unknown();
            }
        }
        List<String> left = symbols.entrySet().stream().filter(e -> e.getValue() > 0)
                .flatMap(e -> java.util.Collections.nCopies(e.getValue(), e.getKey()).stream()).toList();
        if (outputKnown == 0 || inputKnown % outputKnown != 0) {
            throw step.mismatch("cannot reshape " + input + " to " + render(target) + ": " + inputKnown
                    + " elements are not a multiple of " + outputKnown);
        }
        long quotient = inputKnown / outputKnown;
        if (left.isEmpty()) {
            return Shape.Dim.of(quotient);
        }
        return left.size() == 1 && quotient == 1 ? Shape.Dim.symbol(left.get(0)) : Shape.Dim.unknown();
    }

    private static String render(ConstValue value) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            parts.add(value.isSymbolic(i) ? value.dimAt(i).toString() : Long.toString(value.longs()[i]));
        }
        return parts.toString();
    }

    private static void transpose(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        long[] perm = step.intsAttr("perm");
        int rank = input.rank();
        List<Shape.Dim> out = new ArrayList<>(rank);
        if (perm == null || perm.length == 0) {
            for (int i = rank - 1; i >= 0; i--) {
                out.add(input.dim(i));
            }
        } else {
            if (perm.length != rank) {
                throw step.mismatch("perm " + Arrays.toString(perm) + " does not match input " + input);
            }
            for (long axis : perm) {
                out.add(input.dim(step.axis(axis, rank)));
            }
        }
        step.output(0, step.type(0), out);
    }

    private static void flatten(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        int axis = (int) step.intAttr("axis", 1);
        if (axis < 0) {
            axis += input.rank();
        }
        if (axis < 0 || axis > input.rank()) {
            throw step.mismatch("axis " + step.intAttr("axis", 1) + " is outside [0, " + input.rank() + "] for " + input);
        }
        step.output(0, step.type(0), List.of(DimMath.product(input.dims().subList(0, axis)),
                DimMath.product(input.dims().subList(axis, input.rank()))));
    }

    private static void concat(InferenceStep step) throws UnresolvedShape {
        Shape first = step.shape(0);
        int axis = step.axis(step.intAttr("axis", 0), first.rank());
        List<Shape.Dim> out = new ArrayList<>(first.dims());
        List<Shape.Dim> along = new ArrayList<>();
        for (int i = 0; i < step.inputCount(); i++) {
            Shape shape = step.shape(i);
            if (shape.rank() != first.rank()) {
                throw step.mismatch("input " + i + " has shape " + shape + "; input 0 has " + first
                        + " (ranks differ)");
            }
            for (int d = 0; d < shape.rank(); d++) {
                if (d != axis) {
                    DimMath.requireEqual(step, out.get(d), shape.dim(d), "input " + i + " shape " + shape
                            + " vs input 0 shape " + first + " at axis " + d);
                    if (!out.get(d).isKnown() && shape.dim(d).isKnown()) {
                        out.set(d, shape.dim(d));
                    }
                }
            }
            along.add(shape.dim(axis));
        }
        out.set(axis, DimMath.sum(along));
        step.output(0, step.type(0), out);
        foldConcat(step, first.rank());
    }

    private static void foldConcat(InferenceStep step, int rank) {
        if (rank != 1) {
            return;
        }
        int total = 0;
        for (int i = 0; i < step.inputCount(); i++) {
            ConstValue value = step.constant(i);
            if (value == null || !value.isInteger()) {
                return;
            }
            total += value.size();
        }
        long[] values = new long[total];
        String[] symbols = new String[total];
        int at = 0;
        for (int i = 0; i < step.inputCount(); i++) {
            ConstValue value = step.constant(i);
            for (int e = 0; e < value.size(); e++, at++) {
                values[at] = value.ints()[e];
                symbols[at] = value.isSymbolic(e) ? value.symbols()[e] : null;
            }
        }
        step.outputValue(0, new ConstValue(step.constant(0).type(), new long[] {values.length}, values, null, symbols));
    }

    private static void split(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        int axis = step.axis(step.intAttr("axis", 0), input.rank());
        int outputs = step.outputCount();
        long[] sizes = step.opset() < 13 ? step.intsAttr("split") : null;
        if (step.opset() >= 13 && step.hasInput(1)) {
            sizes = step.requireConstant(1, "split").longs();
        }
        Shape.Dim dim = input.dim(axis);
        if (sizes == null || sizes.length == 0) {
            long parts = step.hasAttribute("num_outputs") ? step.intAttr("num_outputs", outputs) : outputs;
            if (!dim.isKnown()) {
                throw step.unresolved("splits axis " + axis + " of " + input + " whose size is not a number");
            }
            long chunk = (dim.value() + parts - 1) / parts;
            sizes = new long[(int) parts];
            for (int i = 0; i < parts; i++) {
                sizes[i] = Math.max(0, Math.min(chunk, dim.value() - chunk * i));
            }
        }
        if (dim.isKnown() && Arrays.stream(sizes).sum() != dim.value()) {
            throw step.mismatch("split sizes " + Arrays.toString(sizes) + " do not add up to dimension " + axis
                    + " of " + input);
        }
        for (int i = 0; i < outputs && i < sizes.length; i++) {
            List<Shape.Dim> out = new ArrayList<>(input.dims());
            out.set(axis, Shape.Dim.of(sizes[i]));
            step.output(i, step.type(0), out);
        }
    }

    /** Axes from the attribute (older opsets) or from the constant input 1 (opset 13 on); null when none. */
    private static long[] axes(InferenceStep step) throws UnresolvedShape {
        if (step.hasAttribute("axes")) {
            return step.intsAttr("axes");
        }
        return step.hasInput(1) ? step.requireConstant(1, "axes").longs() : null;
    }

    private static void squeeze(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        long[] axes = axes(step);
        boolean[] drop = new boolean[input.rank()];
        if (axes == null) {
            for (int i = 0; i < input.rank(); i++) {
                if (!input.dim(i).isKnown()) {
                    throw step.unresolved("squeezes every size-1 axis but dimension " + i + " of " + input
                            + " is not a number");
                }
                drop[i] = input.dim(i).value() == 1;
            }
        } else {
            for (long axis : axes) {
                int normalized = step.axis(axis, input.rank());
                Shape.Dim dim = input.dim(normalized);
                if (dim.isKnown() && dim.value() != 1) {
                    throw step.mismatch("cannot squeeze axis " + axis + " of " + input + ": its size is " + dim);
                }
                drop[normalized] = true;
            }
        }
        List<Shape.Dim> out = new ArrayList<>();
        for (int i = 0; i < input.rank(); i++) {
            if (!drop[i]) {
                out.add(input.dim(i));
            }
        }
        step.output(0, step.type(0), out);
        foldSameValues(step, Shape.of(out));
    }

    private static void unsqueeze(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        long[] axes = axes(step);
        if (axes == null) {
            throw step.mismatch("needs 'axes'");
        }
        int rank = input.rank() + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long axis : axes) {
            inserted[step.axis(axis, rank)] = true;
        }
        List<Shape.Dim> out = new ArrayList<>(rank);
        int next = 0;
        for (int i = 0; i < rank; i++) {
            out.add(inserted[i] ? Shape.Dim.of(1) : input.dim(next++));
        }
        step.output(0, step.type(0), out);
        foldSameValues(step, Shape.of(out));
    }

    private static void foldSameValues(InferenceStep step, Shape shape) {
        ConstValue value = step.constant(0);
        if (value != null && shape.isStatic()) {
            step.outputValue(0, new ConstValue(value.type(), shape.toArray(), value.ints(), value.reals(),
                    value.symbols()));
        }
    }

    private static void expand(InferenceStep step) throws UnresolvedShape {
        ConstValue target = step.requireConstant(1, "shape");
        List<Shape.Dim> dims = new ArrayList<>();
        for (int i = 0; i < target.size(); i++) {
            dims.add(target.dimAt(i));
        }
        step.output(0, step.type(0), DimMath.broadcast(step, step.shape(0), Shape.of(dims)));
    }

    private static void tile(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        ConstValue repeats = step.requireConstant(1, "repeats");
        if (repeats.size() != input.rank()) {
            throw step.mismatch("repeats " + repeats.dims().length + "-D with " + repeats.size()
                    + " values do not match input " + input);
        }
        List<Shape.Dim> out = new ArrayList<>();
        for (int i = 0; i < repeats.size(); i++) {
            Shape.Dim dim = input.dim(i);
            if (repeats.isSymbolic(i)) {
                out.add(dim.isKnown() && dim.value() == 1 ? repeats.dimAt(i) : Shape.Dim.unknown());
            } else if (repeats.longs()[i] < 0) {
                throw step.mismatch("repeat " + repeats.longs()[i] + " on axis " + i + " is negative");
            } else {
                out.add(DimMath.times(dim, repeats.longs()[i]));
            }
        }
        step.output(0, step.type(0), out);
    }

    private static void pad(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        long[] pads = step.opset() < 11 ? step.intsAttr("pads") : step.requireConstant(1, "pads").longs();
        int rank = input.rank();
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        if (step.opset() >= 18 && step.hasInput(3)) {
            long[] given = step.requireConstant(3, "axes").longs();
            axes = Arrays.stream(given).mapToInt(axis -> step.axis(axis, rank)).toArray();
        }
        if (pads == null || pads.length != 2 * axes.length) {
            throw step.mismatch("pads " + Arrays.toString(pads) + " do not fit input " + input + " over "
                    + axes.length + " axes");
        }
        List<Shape.Dim> out = new ArrayList<>(input.dims());
        for (int i = 0; i < axes.length; i++) {
            Shape.Dim dim = input.dim(axes[i]);
            long added = pads[i] + pads[i + axes.length];
            out.set(axes[i], added == 0 ? dim : dim.isKnown() ? Shape.Dim.of(dim.value() + added) : Shape.Dim.unknown());
        }
        step.output(0, step.type(0), out);
    }

    private static void depthSpace(InferenceStep step, boolean toSpace) throws UnresolvedShape {
        Shape input = step.shape(0);
        long block = step.intAttr("blocksize", 1);
        if (input.rank() != 4) {
            throw step.mismatch("expected a rank-4 input; got " + input);
        }
        Shape.Dim channels = input.dim(1);
        Shape.Dim outChannels = !channels.isKnown() ? Shape.Dim.unknown()
                : Shape.Dim.of(toSpace ? channels.value() / (block * block) : channels.value() * block * block);
        Shape.Dim height = input.dim(2);
        Shape.Dim width = input.dim(3);
        step.output(0, step.type(0), List.of(input.dim(0), outChannels,
                toSpace ? DimMath.times(height, block) : divide(height, block),
                toSpace ? DimMath.times(width, block) : divide(width, block)));
    }

    private static Shape.Dim divide(Shape.Dim dim, long divisor) {
        return dim.isKnown() ? Shape.Dim.of(dim.value() / divisor) : Shape.Dim.unknown();
    }
}
