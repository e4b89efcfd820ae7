package dev.outpost.testing;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.Shape;
import dev.outpost.model.TensorData;
import dev.outpost.model.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Builds image-classifier graphs layer by layer on the model-format {@link Graph} API, with seeded
 * He-normal weights, and records a {@code value_info} (batch, then the tracked shape) for every
 * tensor it creates. One random stream is consumed in build order, so the same seed gives the same
 * bytes. Not thread-safe; one builder per model.
 */
final class NetBuilder {

    private final OnnxModel model;
    private final Graph graph;
    private final Random random;
    private final TinyModels.Batch batch;
    private final Map<String, long[]> shapes = new HashMap<>();
    private int layer;

    NetBuilder(String name, long seed, TinyModels.Batch batch) {
        this.model = OnnxModel.create(name, 17);
        this.model.setProducer("outpost-testing", "tiny-models-1");
        this.graph = model.graph();
        this.random = new Random(seed);
        this.batch = batch;
    }

    Graph graph() {
        return graph;
    }

    /** Adds a FLOAT graph input of shape [batch, dims...]. */
    String input(String name, long... dims) {
        graph.addInput(new ValueInfo(name, ElementType.FLOAT, shapeOf(dims)));
        shapes.put(name, dims.clone());
        return name;
    }

    /** Conv with bias (the folded BatchNorm), "same" padding {@code k/2}; He-normal weights, small random bias. */
    String conv(String x, long outChannels, int kernel, int stride, long group) {
        long[] in = shapes.get(x);
        long inChannels = in[0];
        String name = "conv" + (++layer);
        long fanIn = inChannels / group * kernel * kernel;
        String weight = initializer(name + ".weight", gaussian(outChannels * fanIn, Math.sqrt(2.0 / fanIn)),
                outChannels, inChannels / group, kernel, kernel);
        String bias = initializer(name + ".bias", gaussian(outChannels, 0.01), outChannels);
        int pad = kernel / 2;
        String y = name + ".out";
        Node node = graph.add(Op.CONV, List.of(x, weight, bias), List.of(y), Map.of(
                "kernel_shape", new long[] {kernel, kernel}, "strides", new long[] {stride, stride},
                "pads", new long[] {pad, pad, pad, pad}, "group", group));
        node.setName(name);
        long size = (in[1] + 2L * pad - kernel) / stride + 1;
        return track(y, outChannels, size, size);
    }

    String relu(String x) {
        return unary(Op.RELU, x, "relu");
    }

    /** ReLU6 as {@code Clip(x, 0, 6)}, the form PyTorch exports. */
    String relu6(String x) {
        if (!graph.isInitializer("relu6.min")) {
            graph.addInitializer("relu6.min", TensorData.scalar(0f));
            graph.addInitializer("relu6.max", TensorData.scalar(6f));
        }
        String y = "clip" + (++layer) + ".out";
        graph.add(Op.CLIP, List.of(x, "relu6.min", "relu6.max"), List.of(y), Map.of()).setName("clip" + layer);
        return track(y, shapes.get(x));
    }

    String add(String a, String b) {
        String y = "add" + (++layer) + ".out";
        graph.add(Op.ADD, List.of(a, b), List.of(y), Map.of()).setName("add" + layer);
        return track(y, shapes.get(a));
    }

    String maxPool(String x, int kernel, int stride, int pad) {
        long[] in = shapes.get(x);
        String y = "maxpool" + (++layer) + ".out";
        graph.add(Op.MAX_POOL, List.of(x), List.of(y), Map.of("kernel_shape", new long[] {kernel, kernel},
                "strides", new long[] {stride, stride}, "pads", new long[] {pad, pad, pad, pad})).setName("maxpool" + layer);
        long size = (in[1] + 2L * pad - kernel) / stride + 1;
        return track(y, in[0], size, size);
    }

    String averagePool(String x, int kernel, int stride) {
        long[] in = shapes.get(x);
        String y = "avgpool" + (++layer) + ".out";
        graph.add(Op.AVERAGE_POOL, List.of(x), List.of(y), Map.of("kernel_shape", new long[] {kernel, kernel},
                "strides", new long[] {stride, stride})).setName("avgpool" + layer);
        long size = (in[1] - kernel) / stride + 1;
        return track(y, in[0], size, size);
    }

    String globalAveragePool(String x) {
        String y = "gap" + (++layer) + ".out";
        graph.add(Op.GLOBAL_AVERAGE_POOL, List.of(x), List.of(y), Map.of()).setName("gap" + layer);
        return track(y, shapes.get(x)[0], 1, 1);
    }

    String flatten(String x) {
        long count = 1;
        for (long dim : shapes.get(x)) {
            count *= dim;
        }
        String y = "flatten" + (++layer) + ".out";
        graph.add(Op.FLATTEN, List.of(x), List.of(y), Map.of("axis", 1L)).setName("flatten" + layer);
        return track(y, count);
    }

    /** Fully connected: {@code Gemm(x, W^T, b)} with W of shape [out, in] as PyTorch exports it. */
    String gemm(String x, long outFeatures) {
        long inFeatures = shapes.get(x)[0];
        String name = "fc" + (++layer);
        String weight = initializer(name + ".weight", gaussian(outFeatures * inFeatures, Math.sqrt(1.0 / inFeatures)),
                outFeatures, inFeatures);
        String bias = initializer(name + ".bias", gaussian(outFeatures, 0.01), outFeatures);
        String y = name + ".out";
        graph.add(Op.GEMM, List.of(x, weight, bias), List.of(y), Map.of("transB", 1L)).setName(name);
        return track(y, outFeatures);
    }

    String softmax(String x) {
        return unary(Op.SOFTMAX, x, "softmax");
    }

    /** Renames {@code x} to {@code name}, declares it the graph output, and returns the model. */
    OnnxModel output(String x, String name) {
        long[] dims = shapes.get(x);
        graph.rename(x, name);
        shapes.put(name, dims);
        graph.addOutput(new ValueInfo(name, ElementType.FLOAT, shapeOf(dims)));
        return model;
    }

    private String unary(Op op, String x, String base) {
        String y = base + (++layer) + ".out";
        graph.add(op, List.of(x), List.of(y), Map.of()).setName(base + layer);
        return track(y, shapes.get(x));
    }

    private String track(String tensor, long... dims) {
        shapes.put(tensor, dims.clone());
        graph.setValueInfo(new ValueInfo(tensor, ElementType.FLOAT, shapeOf(dims)));
        return tensor;
    }

    private String initializer(String name, float[] values, long... dims) {
        graph.addInitializer(name, TensorData.ofFloats(values, dims));
        return name;
    }

    private float[] gaussian(long count, double std) {
        return Weights.gaussian(random, Math.toIntExact(count), std);
    }

    private Shape shapeOf(long... dims) {
        List<Shape.Dim> all = new ArrayList<>();
        all.add(batch.isDynamic() ? Shape.Dim.symbol("batch") : Shape.Dim.of(batch.size()));
        for (long dim : dims) {
            all.add(Shape.Dim.of(dim));
        }
        return Shape.of(all);
    }
}
