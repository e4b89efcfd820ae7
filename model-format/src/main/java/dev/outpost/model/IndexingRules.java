package dev.outpost.model;

import dev.outpost.model.proto.Onnx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Shape rules of the operators that select, size or reduce: Slice (opset &lt; 10 attributes and
 * opset &gt;= 10 inputs, negative and clamped indices, steps), Gather, Shape, Size, Constant,
 * ConstantOfShape, Resize/Upsample (scales or sizes), the Reduce family and ArgMax/ArgMin. Shape,
 * Gather, Slice and Constant fold their values so later Reshape/Expand/Tile targets stay known. Internal.
 */
final class IndexingRules {

    private IndexingRules() {
    }

    private static final String[] REDUCTIONS = {
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"};

    static void register(Map<String, ShapeRule> rules) {
        rules.put("Slice", IndexingRules::slice);
        rules.put("Gather", IndexingRules::gather);
        rules.put("Shape", IndexingRules::shape);
        rules.put("Size", step -> {
            Shape input = step.shape(0);
            step.output(0, ElementType.INT64, Shape.scalar());
            if (input.isStatic()) {
                step.outputValue(0, ConstValue.ofInts(ElementType.INT64, new long[0], new long[] {input.elementCount()}));
            }
        });
        rules.put("Constant", IndexingRules::constant);
        rules.put("ConstantOfShape", IndexingRules::constantOfShape);
        rules.put("Resize", IndexingRules::resize);
        rules.put("Upsample", IndexingRules::resize);
        for (String op : REDUCTIONS) {
            rules.put(op, IndexingRules::reduce);
        }
        rules.put("ArgMax", IndexingRules::argReduce);
        rules.put("ArgMin", IndexingRules::argReduce);
    }

    private static void slice(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (step.opset() < 10) {
            starts = step.intsAttr("starts");
            ends = step.intsAttr("ends");
            axes = step.intsAttr("axes");
        } else {
            starts = step.requireConstant(1, "starts").longs();
            ends = step.requireConstant(2, "ends").longs();
            axes = step.hasInput(3) ? step.requireConstant(3, "axes").longs() : null;
            steps = step.hasInput(4) ? step.requireConstant(4, "steps").longs() : null;
        }
        if (starts == null || ends == null || starts.length != ends.length) {
            throw step.mismatch("starts " + Arrays.toString(starts) + " and ends " + Arrays.toString(ends)
                    + " must be given and of equal length");
        }
        int count = starts.length;
        if (axes == null || axes.length == 0) {
            axes = new long[count];
            for (int i = 0; i < count; i++) {
                axes[i] = i;
            }
        }
        if (steps == null || steps.length == 0) {
            steps = new long[count];
            Arrays.fill(steps, 1);
        }
        if (axes.length != count || steps.length != count) {
            throw step.mismatch("axes " + Arrays.toString(axes) + " and steps " + Arrays.toString(steps)
                    + " must match starts " + Arrays.toString(starts));
        }
        List<Shape.Dim> out = new ArrayList<>(input.dims());
        int[] begin = new int[input.rank()];
        int[] stride = new int[input.rank()];
        Arrays.fill(stride, 1);
        for (int i = 0; i < count; i++) {
            int axis = step.axis(axes[i], input.rank());
            Shape.Dim dim = input.dim(axis);
            if (steps[i] == 0) {
                throw step.mismatch("step 0 on axis " + axes[i]);
            }
            if (!dim.isKnown()) {
                boolean whole = starts[i] == 0 && steps[i] == 1 && ends[i] >= Integer.MAX_VALUE;
                out.set(axis, whole ? dim : Shape.Dim.unknown());
                continue;
            }
            long size = dim.value();
            long start = starts[i] < 0 ? starts[i] + size : starts[i];
            long end = ends[i] < 0 ? ends[i] + size : ends[i];
            long length;
            if (steps[i] > 0) {
                start = Math.clamp(start, 0, size);
                end = Math.clamp(end, 0, size);
                length = Math.max(0, Math.ceilDiv(end - start, steps[i]));
            } else {
                start = Math.clamp(start, 0, size - 1);
                end = Math.clamp(end, -1, size - 1);
                length = Math.max(0, Math.ceilDiv(start - end, -steps[i]));
            }
            out.set(axis, Shape.Dim.of(length));
            begin[axis] = (int) start;
            stride[axis] = (int) steps[i];
        }
        step.output(0, step.type(0), out);
        ConstValue data = step.constant(0);
        if (data != null && data.isInteger() && input.rank() == 1 && out.get(0).isKnown()) {
            int length = (int) out.get(0).value();
            long[] values = new long[length];
            String[] symbols = data.symbols() == null ? null : new String[length];
            for (int i = 0; i < length; i++) {
                int from = begin[0] + i * stride[0];
                values[i] = data.ints()[from];
                if (symbols != null) {
                    symbols[i] = data.symbols()[from];
                }
            }
            step.outputValue(0, new ConstValue(data.type(), new long[] {length}, values, null, symbols));
        }
    }

    private static void gather(InferenceStep step) throws UnresolvedShape {
        Shape data = step.shape(0);
        Shape indices = step.shape(1);
        int axis = step.axis(step.intAttr("axis", 0), data.rank());
        List<Shape.Dim> out = new ArrayList<>(data.dims().subList(0, axis));
        out.addAll(indices.dims());
        out.addAll(data.dims().subList(axis + 1, data.rank()));
        step.output(0, step.type(0), out);
        ConstValue values = step.constant(0);
        ConstValue index = step.constant(1);
        if (values != null && index != null && values.isInteger() && data.rank() == 1 && index.allNumbers()
                && Shape.of(out).isStatic()) {
            long[] picked = new long[index.size()];
            String[] symbols = values.symbols() == null ? null : new String[index.size()];
            for (int i = 0; i < picked.length; i++) {
                long at = index.longs()[i];
                at = at < 0 ? at + values.size() : at;
                if (at < 0 || at >= values.size()) {
                    throw step.mismatch("index " + index.longs()[i] + " is outside a " + values.size()
                            + "-element input");
                }
                picked[i] = values.ints()[(int) at];
                if (symbols != null) {
                    symbols[i] = values.symbols()[(int) at];
                }
            }
            Shape shape = Shape.of(out);
            step.outputValue(0, new ConstValue(values.type(), shape.toArray(), picked, null, symbols));
        }
    }

    private static void shape(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        int rank = input.rank();
        long start = step.intAttr("start", 0);
        long end = step.intAttr("end", rank);
        int from = (int) Math.clamp(start < 0 ? start + rank : start, 0, rank);
        int to = (int) Math.clamp(end < 0 ? end + rank : end, 0, rank);
        List<Shape.Dim> dims = input.dims().subList(from, Math.max(from, to));
        step.outputValue(0, ConstValue.ofDims(dims));
    }

    private static void constant(InferenceStep step) throws UnresolvedShape {
        Onnx.AttributeProto value = step.attribute("value");
        if (value != null) {
            Onnx.TensorProto tensor = value.getT();
            ElementType type = ElementType.fromCode(tensor.getDataType()).orElse(ElementType.UNDEFINED);
            ConstValue decoded = ConstValue.decode(tensor);
            if (decoded != null) {
                step.outputValue(0, decoded);
            } else {
                step.output(0, type, Shape.of(tensor.getDimsList().stream().mapToLong(Long::longValue).toArray()));
            }
        } else if (step.hasAttribute("value_int")) {
            step.outputValue(0, ConstValue.ofInts(ElementType.INT64, new long[0], new long[] {step.intAttr("value_int", 0)}));
        } else if (step.hasAttribute("value_ints")) {
            long[] values = step.intsAttr("value_ints");
            step.outputValue(0, ConstValue.ofInts(ElementType.INT64, new long[] {values.length}, values));
        } else if (step.hasAttribute("value_float")) {
            step.outputValue(0, new ConstValue(ElementType.FLOAT, new long[0], null,
                    new double[] {step.floatAttr("value_float", 0)}, null));
        } else if (step.hasAttribute("value_floats")) {
            float[] values = step.floatsAttr("value_floats");
            double[] widened = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                widened[i] = values[i];
            }
            step.outputValue(0, new ConstValue(ElementType.FLOAT, new long[] {values.length}, null, widened, null));
        } else {
            throw step.unresolved("has none of the attributes value, value_int(s), value_float(s); sparse and"
                    + " string constants have no shape rule");
        }
    }

    private static void constantOfShape(InferenceStep step) throws UnresolvedShape {
        ConstValue target = step.requireConstant(0, "shape");
        List<Shape.Dim> dims = new ArrayList<>();
        for (int i = 0; i < target.size(); i++) {
            dims.add(target.dimAt(i));
        }
        Onnx.AttributeProto value = step.attribute("value");
        ElementType type = value == null ? ElementType.FLOAT : ElementType.ofCode(value.getT().getDataType());
        step.output(0, type, dims);
    }

    private static void resize(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        int rank = input.rank();
        double[] scales = null;
        long[] sizes = null;
        if (step.node().getOpType().equals("Upsample") && step.opset() < 9) {
            float[] given = step.floatsAttr("scales");
            scales = given == null ? null : new double[given.length];
            for (int i = 0; scales != null && i < given.length; i++) {
                scales[i] = given[i];
            }
        } else {
            int scalesIndex = step.opset() < 11 || step.node().getOpType().equals("Upsample") ? 1 : 2;
            ConstValue scaleValue = step.hasInput(scalesIndex) ? step.requireConstant(scalesIndex, "scales") : null;
            if (scaleValue != null && scaleValue.size() > 0) {
                scales = scaleValue.doubles();
            } else if (step.hasInput(3)) {
                sizes = step.requireConstant(3, "sizes").longs();
            }
        }
        if (scales == null && sizes == null) {
            throw step.mismatch("needs either scales or sizes");
        }
        long[] axes = step.intsAttr("axes");
        int[] axisList = new int[axes == null ? rank : axes.length];
        for (int i = 0; i < axisList.length; i++) {
            axisList[i] = axes == null ? i : step.axis(axes[i], rank);
        }
        int given = scales != null ? scales.length : sizes.length;
        if (given != axisList.length) {
            throw step.mismatch((scales != null ? "scales " + Arrays.toString(scales) : "sizes " + Arrays.toString(sizes))
                    + " do not match input " + input);
        }
        if (sizes != null && !step.stringAttr("keep_aspect_ratio_policy", "stretch").equals("stretch")) {
            throw step.unresolved("keep_aspect_ratio_policy '" + step.stringAttr("keep_aspect_ratio_policy", "")
                    + "' is not supported by the shape rules");
        }
        List<Shape.Dim> out = new ArrayList<>(input.dims());
        for (int i = 0; i < axisList.length; i++) {
            Shape.Dim dim = input.dim(axisList[i]);
            if (sizes != null) {
                out.set(axisList[i], Shape.Dim.of(sizes[i]));
            } else if (scales[i] == 1.0) {
                out.set(axisList[i], dim);
            } else {
                out.set(axisList[i], dim.isKnown() ? Shape.Dim.of((long) Math.floor(dim.value() * scales[i]))
                        : Shape.Dim.unknown());
            }
        }
        step.output(0, step.type(0), out);
    }

    private static void reduce(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        long[] axes = step.intsAttr("axes");
        boolean axesFromInput = step.opset() >= 18 || step.node().getOpType().equals("ReduceSum") && step.opset() >= 13;
        if (axesFromInput && step.hasInput(1)) {
            axes = step.requireConstant(1, "axes").longs();
        }
        boolean keep = step.intAttr("keepdims", 1) == 1;
        boolean[] reduced = new boolean[input.rank()];
        if (axes == null || axes.length == 0) {
            boolean noop = step.intAttr("noop_with_empty_axes", 0) == 1;
            Arrays.fill(reduced, !noop);
        } else {
            for (long axis : axes) {
                reduced[step.axis(axis, input.rank())] = true;
            }
        }
        step.output(0, step.type(0), reducedDims(input, reduced, keep));
    }

    private static void argReduce(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        boolean[] reduced = new boolean[input.rank()];
        reduced[step.axis(step.intAttr("axis", 0), input.rank())] = true;
        step.output(0, ElementType.INT64, reducedDims(input, reduced, step.intAttr("keepdims", 1) == 1));
    }

    private static List<Shape.Dim> reducedDims(Shape input, boolean[] reduced, boolean keep) {
        List<Shape.Dim> out = new ArrayList<>();
        for (int i = 0; i < input.rank(); i++) {
            if (!reduced[i]) {
                out.add(input.dim(i));
            } else if (keep) {
                out.add(Shape.Dim.of(1));
            }
        }
        return out;
    }
}
