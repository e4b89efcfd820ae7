package dev.outpost.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shape rules of the sliding-window operators: Conv, ConvTranspose, their integer and QLinear forms,
 * Max/Average/Lp pooling (pads, strides, dilations, ceil_mode, auto_pad) and the global pools. The batch
 * dimension passes through unchanged, so a symbolic batch stays a symbol. Internal.
 */
final class ConvPoolRules {

    private ConvPoolRules() {
    }

    static void register(Map<String, ShapeRule> rules) {
        rules.put("Conv", step -> conv(step, 0, 1, step.type(0)));
        rules.put("ConvInteger", step -> conv(step, 0, 1, ElementType.INT32));
        rules.put("QLinearConv", step -> conv(step, 0, 3,
                step.hasInput(7) ? step.type(7) : step.type(0)));
        rules.put("ConvTranspose", ConvPoolRules::convTranspose);
        rules.put("MaxPool", ConvPoolRules::pool);
        rules.put("AveragePool", ConvPoolRules::pool);
        rules.put("LpPool", ConvPoolRules::pool);
        rules.put("GlobalAveragePool", ConvPoolRules::globalPool);
        rules.put("GlobalMaxPool", ConvPoolRules::globalPool);
        rules.put("GlobalLpPool", ConvPoolRules::globalPool);
        rules.put("com.microsoft:QLinearGlobalAveragePool", ConvPoolRules::globalPool);
        rules.put("com.microsoft:QLinearAveragePool", ConvPoolRules::pool);
    }

    /** Window parameters of a node over {@code spatial} axes, with defaults applied. */
    private record Window(long[] kernel, long[] strides, long[] dilations, long[] pads, String autoPad) {

        static Window of(InferenceStep step, long[] kernel) {
            int spatial = kernel.length;
            long[] strides = orOnes(step.intsAttr("strides"), spatial);
            long[] dilations = orOnes(step.intsAttr("dilations"), spatial);
            long[] pads = step.intsAttr("pads");
            if (pads == null) {
                pads = new long[2 * spatial];
            }
            if (strides.length != spatial || dilations.length != spatial || pads.length != 2 * spatial) {
                throw step.mismatch("strides " + java.util.Arrays.toString(strides) + ", dilations "
                        + java.util.Arrays.toString(dilations) + " and pads " + java.util.Arrays.toString(pads)
                        + " do not fit a kernel of " + spatial + " spatial dimensions");
            }
            return new Window(kernel, strides, dilations, pads, step.stringAttr("auto_pad", "NOTSET"));
        }

        Shape.Dim outputDim(int axis, Shape.Dim in, boolean ceil) {
            return switch (autoPad) {
                case "SAME_UPPER", "SAME_LOWER" -> in.isKnown()
                        ? Shape.Dim.of(Math.floorDiv(in.value() + strides[axis] - 1, strides[axis]))
                        : Shape.Dim.unknown();
                case "VALID" -> DimMath.window(in, 0, kernel[axis], strides[axis], dilations[axis], ceil);
                default -> {
                    int spatial = kernel.length;
                    Shape.Dim out = DimMath.window(in, pads[axis] + pads[axis + spatial], kernel[axis],
                            strides[axis], dilations[axis], ceil);
                    if (ceil && out.isKnown() && out.value() > 0
                            && (out.value() - 1) * strides[axis] >= in.value() + pads[axis]) {
                        out = Shape.Dim.of(out.value() - 1);
                    }
                    yield out;
                }
            };
        }
    }

    private static long[] orOnes(long[] values, int count) {
        if (values != null && values.length > 0) {
            return values;
        }
        long[] ones = new long[count];
        java.util.Arrays.fill(ones, 1);
        return ones;
    }

    private static void conv(InferenceStep step, int dataIndex, int weightIndex, ElementType type)
            throws UnresolvedShape {
        Shape input = step.shape(dataIndex);
        Shape weight = step.shape(weightIndex);
        if (input.rank() < 3 || weight.rank() != input.rank()) {
            throw step.mismatch("expected input of rank >= 3 and weights of the same rank; got input " + input
                    + " and weights " + weight);
        }
        long group = step.intAttr("group", 1);
        Shape.Dim weightChannels = weight.dim(1);
        if (input.dim(1).isKnown() && weightChannels.isKnown()
                && input.dim(1).value() != weightChannels.value() * group) {
            throw step.mismatch("input " + input + " has " + input.dim(1) + " channels; weights " + weight
                    + " with group " + group + " expect " + weightChannels.value() * group);
        }
        long[] kernel = kernel(step, weight, 2);
        Window window = Window.of(step, kernel);
        List<Shape.Dim> out = new ArrayList<>();
        out.add(input.dim(0));
        out.add(weight.dim(0));
        for (int axis = 0; axis < kernel.length; axis++) {
            out.add(window.outputDim(axis, input.dim(axis + 2), false));
        }
        step.output(0, type, out);
    }

    private static long[] kernel(InferenceStep step, Shape weight, int firstSpatial) throws UnresolvedShape {
        long[] kernel = step.intsAttr("kernel_shape");
        if (kernel != null && kernel.length > 0) {
            return kernel;
        }
        kernel = new long[weight.rank() - firstSpatial];
        for (int axis = 0; axis < kernel.length; axis++) {
            Shape.Dim dim = weight.dim(axis + firstSpatial);
            if (!dim.isKnown()) {
                throw step.unresolved("kernel size " + dim + " of weights " + weight + " is not a number");
            }
            kernel[axis] = dim.value();
        }
        return kernel;
    }

    private static void convTranspose(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        Shape weight = step.shape(1);
        if (input.rank() < 3 || weight.rank() != input.rank()) {
            throw step.mismatch("expected input of rank >= 3 and weights of the same rank; got input " + input
                    + " and weights " + weight);
        }
        DimMath.requireEqual(step, input.dim(1), weight.dim(0),
                "input channels of " + input + " vs weights " + weight + " dimension 0");
        long group = step.intAttr("group", 1);
        long[] kernel = kernel(step, weight, 2);
        int spatial = kernel.length;
        Window window = Window.of(step, kernel);
        long[] outputPadding = step.intsAttr("output_padding");
        if (outputPadding == null || outputPadding.length == 0) {
            outputPadding = new long[spatial];
        }
        long[] outputShape = step.intsAttr("output_shape");
        List<Shape.Dim> out = new ArrayList<>();
        out.add(input.dim(0));
        out.add(DimMath.times(weight.dim(1), group));
        for (int axis = 0; axis < spatial; axis++) {
            Shape.Dim in = input.dim(axis + 2);
            if (outputShape != null && outputShape.length > 0) {
                out.add(Shape.Dim.of(outputShape[outputShape.length - spatial + axis]));
            } else if (!in.isKnown()) {
                out.add(Shape.Dim.unknown());
            } else if (window.autoPad().startsWith("SAME")) {
                out.add(Shape.Dim.of(in.value() * window.strides()[axis]));
            } else {
                long padTotal = window.autoPad().equals("VALID") ? 0 : window.pads()[axis] + window.pads()[axis + spatial];
                long size = window.strides()[axis] * (in.value() - 1) + outputPadding[axis]
                        + (kernel[axis] - 1) * window.dilations()[axis] + 1 - padTotal;
                out.add(Shape.Dim.of(size));
            }
        }
        step.output(0, step.type(0), out);
    }

    private static void pool(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        long[] kernel = step.intsAttr("kernel_shape");
        if (kernel == null || kernel.length == 0) {
            throw step.mismatch("attribute 'kernel_shape' is required");
        }
        boolean channelsLast = step.intAttr("channels_last", 0) == 1;
        if (input.rank() != kernel.length + 2) {
            throw step.mismatch("input " + input + " has rank " + input.rank() + "; kernel_shape "
                    + java.util.Arrays.toString(kernel) + " expects rank " + (kernel.length + 2));
        }
        Window window = Window.of(step, kernel);
        boolean ceil = step.intAttr("ceil_mode", 0) == 1;
        int firstSpatial = channelsLast ? 1 : 2;
        List<Shape.Dim> out = new ArrayList<>(input.dims());
        for (int axis = 0; axis < kernel.length; axis++) {
            out.set(axis + firstSpatial, window.outputDim(axis, input.dim(axis + firstSpatial), ceil));
        }
        step.output(0, step.type(0), out);
        step.output(1, ElementType.INT64, out);
    }

    private static void globalPool(InferenceStep step) throws UnresolvedShape {
        Shape input = step.shape(0);
        if (input.rank() < 3) {
            throw step.mismatch("expected an input of rank >= 3 (N, C, spatial...); got " + input);
        }
        boolean channelsLast = step.intAttr("channels_last", 0) == 1;
        List<Shape.Dim> out = new ArrayList<>(input.dims());
        int first = channelsLast ? 1 : 2;
        int last = channelsLast ? input.rank() - 1 : input.rank();
        for (int axis = first; axis < last; axis++) {
            out.set(axis, Shape.Dim.of(1));
        }
        step.output(0, step.type(0), out);
    }
}
