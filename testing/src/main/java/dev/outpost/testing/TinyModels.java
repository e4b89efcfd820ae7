package dev.outpost.testing;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.OpSchema;
import dev.outpost.model.Shape;
import dev.outpost.model.ValueInfo;
import dev.outpost.model.ValueType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Tiny and full-size ONNX models built in code for tests, on the model-format graph API. Weights are
 * seeded He-normal (same seed, same bytes); every model uses default-domain opset 17 and IR 8. The
 * networks ({@link #conv} to {@link #mobileNetV2}) have one FLOAT input named {@value #INPUT} (except
 * {@link #add()}) and one output named {@value #OUTPUT}, and carry a {@code value_info} for each
 * intermediate tensor. The models for runtime behaviour ({@link #stringIdentity()} to
 * {@link #unknownOperator()}: strings, sequence and map outputs, failures inside the runtime, operators
 * without a kernel) name their tensors as each method says. Use {@link OnnxModel#toBytes()} for the
 * bytes; {@link OnnxModel#putMetadata}, {@link OnnxModel#setProducer}, {@link OnnxModel#setDomain},
 * {@link OnnxModel#setModelVersion} and {@link OnnxModel#setDocString} set metadata on any of them.
 *
 * <p>Stateless and thread-safe: each call builds a new model, which its caller owns.
 */
public final class TinyModels {

    /** Name of the input of every model except {@link #add()}. */
    public static final String INPUT = "input";
    /** Name of the output of every model. */
    public static final String OUTPUT = "output";

    private TinyModels() {
    }

    /**
     * The batch dimension of a model's input and output: a fixed size, or dynamic (the symbol
     * {@code batch}).
     *
     * @param size the fixed size ({@code >= 1}), or {@code -1} for dynamic
     */
    public record Batch(long size) {
        /** Requires a size >= 1, or -1 for dynamic. */
        public Batch {
            if (size < 1 && size != -1) {
                throw new IllegalArgumentException("Batch size is " + size + "; expected >= 1, or -1 for dynamic");
            }
        }

        /** A fixed batch of {@code size}. */
        public static Batch fixed(long size) {
            return new Batch(size);
        }

        /** A dynamic batch, the symbolic dimension {@code batch}. */
        public static Batch dynamic() {
            return new Batch(-1);
        }

        /** True for the dynamic batch. */
        public boolean isDynamic() {
            return size == -1;
        }
    }

    /** {@code Conv}: input [1,3,8,8], 4 filters 3x3, pad 1, with bias -> output [1,4,8,8]. */
    public static OnnxModel conv(long seed) {
        NetBuilder net = new NetBuilder("tiny_conv", seed, Batch.fixed(1));
        return net.output(net.conv(net.input(INPUT, 3, 8, 8), 4, 3, 1, 1), OUTPUT);
    }

    /** {@code MatMul}: input [2,8] times a weight [8,4] -> output [2,4] (weight initializer {@code weight}). */
    public static OnnxModel matMul(long seed) {
        OnnxModel model = OnnxModel.create("tiny_matmul", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of(INPUT, ElementType.FLOAT, 2, 8));
        graph.addInitializer("weight", dev.outpost.model.TensorData.ofFloats(Weights.gaussian(new Random(seed), 32, 0.5), 8, 4));
        graph.add(Op.MAT_MUL, List.of(INPUT, "weight"), List.of(OUTPUT), Map.of());
        graph.addOutput(ValueInfo.of(OUTPUT, ElementType.FLOAT, 2, 4));
        return model;
    }

    /** {@code Gemm} (transB=1, as PyTorch's Linear): input [2,8] -> output [2,4]. */
    public static OnnxModel gemm(long seed) {
        NetBuilder net = new NetBuilder("tiny_gemm", seed, Batch.fixed(2));
        return net.output(net.gemm(net.input(INPUT, 8), 4), OUTPUT);
    }

    /** {@code Add}: inputs {@code a} and {@code b}, both [1,4] -> output [1,4]. No weights. */
    public static OnnxModel add() {
        OnnxModel model = OnnxModel.create("tiny_add", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("a", ElementType.FLOAT, 1, 4));
        graph.addInput(ValueInfo.of("b", ElementType.FLOAT, 1, 4));
        graph.add(Op.ADD, List.of("a", "b"), List.of(OUTPUT), Map.of());
        graph.addOutput(ValueInfo.of(OUTPUT, ElementType.FLOAT, 1, 4));
        return model;
    }

    /**
     * {@code image: float[1,3,4,4] -> Identity -> same: float[1,3,4,4]}: the smallest model an image
     * pipeline binds to (put {@code outpost.pipeline.*} metadata on it to declare one).
     */
    public static OnnxModel imageIdentity() {
        OnnxModel model = OnnxModel.create("image_identity", OnnxModel.DEFAULT_OPSET);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("image", ElementType.FLOAT, 1, 3, 4, 4));
        graph.add(Op.IDENTITY, List.of("image"), List.of("same"), Map.of());
        graph.addOutput(ValueInfo.of("same", ElementType.FLOAT, 1, 3, 4, 4));
        return model;
    }

    /** {@code Relu}: input [1,4] -> output [1,4]. */
    public static OnnxModel relu() {
        NetBuilder net = new NetBuilder("tiny_relu", 0, Batch.fixed(1));
        return net.output(net.relu(net.input(INPUT, 4)), OUTPUT);
    }

    /** {@code MaxPool} 2x2 stride 2: input [1,2,4,4] -> output [1,2,2,2]. */
    public static OnnxModel maxPool() {
        NetBuilder net = new NetBuilder("tiny_maxpool", 0, Batch.fixed(1));
        return net.output(net.maxPool(net.input(INPUT, 2, 4, 4), 2, 2, 0), OUTPUT);
    }

    /** {@code AveragePool} 2x2 stride 2: input [1,2,4,4] -> output [1,2,2,2]. */
    public static OnnxModel averagePool() {
        NetBuilder net = new NetBuilder("tiny_avgpool", 0, Batch.fixed(1));
        return net.output(net.averagePool(net.input(INPUT, 2, 4, 4), 2, 2), OUTPUT);
    }

    /** {@code GlobalAveragePool}: input [1,2,4,4] -> output [1,2,1,1]. */
    public static OnnxModel globalAveragePool() {
        NetBuilder net = new NetBuilder("tiny_gap", 0, Batch.fixed(1));
        return net.output(net.globalAveragePool(net.input(INPUT, 2, 4, 4)), OUTPUT);
    }

    /**
     * A small CNN chain: input [batch,1,8,8] -> Conv(4, 3x3) -> Relu -> MaxPool 2 -> Flatten -> Gemm(10)
     * -> Softmax -> output [batch,10].
     */
    public static OnnxModel smallCnn(long seed, Batch batch) {
        NetBuilder net = new NetBuilder("tiny_cnn", seed, batch);
        String x = net.input(INPUT, 1, 8, 8);
        x = net.maxPool(net.relu(net.conv(x, 4, 3, 1, 1)), 2, 2, 0);
        x = net.softmax(net.gemm(net.flatten(x), 10));
        return net.output(x, OUTPUT);
    }

    /** A small MLP: input [batch,16] -> Gemm(32) -> Relu -> Gemm(4) -> output [batch,4]. */
    public static OnnxModel mlp(long seed, Batch batch) {
        NetBuilder net = new NetBuilder("tiny_mlp", seed, batch);
        String x = net.gemm(net.relu(net.gemm(net.input(INPUT, 16), 32)), 4);
        return net.output(x, OUTPUT);
    }

    /**
     * ResNet-50 v1.5 (stride 2 in the 3x3 convolution of each downsampling bottleneck), BatchNorm
     * folded into convolution biases: input [batch,3,224,224] -> output [batch,1000] logits.
     * 25,530,472 parameters (torchvision's 25,557,032 minus one of the two per-channel BatchNorm
     * vectors: 53 convolutions with 26,560 output channels), 4,089,184,256 multiply-accumulates per
     * image.
     */
    public static OnnxModel resnet50(long seed, Batch batch) {
        return Architectures.resnet50(new NetBuilder("resnet50_v1_5", seed, batch));
    }

    /**
     * MobileNetV2 1.0 (ReLU6 as {@code Clip(0, 6)}, BatchNorm folded): input [batch,3,224,224] ->
     * output [batch,1000] logits. 3,487,816 parameters (torchvision's 3,504,872 minus 17,056 folded
     * BatchNorm channels), 300,774,272 multiply-accumulates per image.
     */
    public static OnnxModel mobileNetV2(long seed, Batch batch) {
        return Architectures.mobileNetV2(new NetBuilder("mobilenet_v2_1.0", seed, batch));
    }

    // ---- models for runtime behaviour: strings, sequences, maps, failures, missing kernels ----

    /** {@code Identity} on strings: {@code text: string[n] -> echo: string[n]}. */
    public static OnnxModel stringIdentity() {
        OnnxModel model = OnnxModel.create("string_identity", OnnxModel.DEFAULT_OPSET);
        Graph graph = model.graph();
        graph.addInput(new ValueInfo("text", ElementType.STRING, symbolic("n")));
        graph.add(Op.IDENTITY, List.of("text"), List.of("echo"), Map.of());
        graph.addOutput(new ValueInfo("echo", ElementType.STRING, symbolic("n")));
        return model;
    }

    /**
     * A tensor output and a sequence output: {@code x: float[1,size]}, outputs (in this order)
     * {@code relu: Relu(x) float[1,size]} and {@code pair: SequenceConstruct(x, relu)}, a
     * {@code seq(tensor(float))} of two tensors.
     *
     * @param size the length of {@code x}, {@code >= 1}
     */
    public static OnnxModel reluAndSequence(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size is " + size + "; expected >= 1");
        }
        OnnxModel model = OnnxModel.create("relu_and_sequence", OnnxModel.DEFAULT_OPSET);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, size));
        graph.add(Op.RELU, List.of("x"), List.of("relu"), Map.of());
        graph.add(Op.SEQUENCE_CONSTRUCT, List.of("x", "relu"), List.of("pair"), Map.of());
        graph.addOutput(ValueInfo.of("relu", ElementType.FLOAT, 1, size));
        graph.addOutput("pair", ValueType.sequenceOf(ValueType.tensor(ElementType.FLOAT, Shape.unknownRank())));
        return model;
    }

    /**
     * A scikit-learn style classifier head with string labels: {@code scores: float[n,k]} ({@code k}
     * labels), outputs {@code probabilities: ZipMap(scores)}, a {@code seq(map(string,float))} with one
     * map per row, and {@code label: ArgMax(scores, axis 1) int64[n,1]}.
     *
     * @param labels the class labels, one per score column; at least one
     */
    public static OnnxModel zipMapClassifier(List<String> labels) {
        requireLabels(labels.size());
        return zipMap("classlabels_strings", List.copyOf(labels), labels.size(), ElementType.STRING);
    }

    /**
     * As {@link #zipMapClassifier(List)} with integer labels: {@code probabilities} is a
     * {@code seq(map(int64,float))}.
     *
     * @param labels the class ids, one per score column; at least one
     */
    public static OnnxModel zipMapClassifier(long... labels) {
        requireLabels(labels.length);
        return zipMap("classlabels_int64s", labels.clone(), labels.length, ElementType.INT64);
    }

    /**
     * {@code a: float[a_len] + b: float[b_len] -> sum: float[out_len]}: every length is dynamic, so
     * lengths that do not broadcast (different, neither 1) fail inside the runtime, not at its door.
     */
    public static OnnxModel dynamicAdd() {
        OnnxModel model = OnnxModel.create("dynamic_add", OnnxModel.DEFAULT_OPSET);
        Graph graph = model.graph();
        graph.addInput(new ValueInfo("a", ElementType.FLOAT, symbolic("a_len")));
        graph.addInput(new ValueInfo("b", ElementType.FLOAT, symbolic("b_len")));
        graph.add(Op.ADD, List.of("a", "b"), List.of("sum"), Map.of());
        graph.addOutput(new ValueInfo("sum", ElementType.FLOAT, symbolic("out_len")));
        return model;
    }

    /**
     * One node of a unary operator on one element type: {@code x: type[4] -> op -> y: type[4]}, the
     * node named {@code <optype>_node} in lower case (e.g. {@code relu_node}). For element types a
     * runtime has no kernel for (ONNX Runtime's CPU Relu on bfloat16) and for float16 / uint8 I/O.
     *
     * @param op an operator with one input, one output and no required attribute
     * @throws IllegalArgumentException for any other operator
     */
    public static OnnxModel singleOp(Op op, ElementType type) {
        OpSchema schema = op.schema();
        if (schema.minInputs() > 1 || schema.maxInputs() < 1 || schema.minOutputs() > 1 || schema.maxOutputs() < 1
                || schema.attributes().stream().anyMatch(OpSchema.AttributeSpec::required)) {
            throw new IllegalArgumentException("singleOp needs an operator with one input, one output and no required "
                    + "attribute; received " + schema.signature() + " with attributes " + schema.attributes());
        }
        OnnxModel model = OnnxModel.create("single_" + op.opType(), OnnxModel.DEFAULT_OPSET);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", type, 4));
        graph.add(op, List.of("x"), List.of("y"), Map.of()).setName(op.opType().toLowerCase(Locale.ROOT) + "_node");
        graph.addOutput(ValueInfo.of("y", type, 4));
        return model;
    }

    /**
     * A node no runtime knows: {@code x: float[4] -> com.example:Frobnicate (node frob) -> y: float[4]},
     * the domain imported at version 1. Otherwise valid; validation warns that it cannot check the
     * custom domain.
     */
    public static OnnxModel unknownOperator() {
        OnnxModel model = OnnxModel.create("unknown_op", OnnxModel.DEFAULT_OPSET);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 4));
        graph.addCustom("com.example", "Frobnicate", List.of("x"), List.of("y"), Map.of()).setName("frob");
        graph.addOutput(ValueInfo.of("y", ElementType.FLOAT, 4));
        return model;
    }

    private static OnnxModel zipMap(String labelAttribute, Object labels, int count, ElementType keyType) {
        OnnxModel model = OnnxModel.create("zipmap_classifier", OnnxModel.DEFAULT_OPSET);
        Graph graph = model.graph();
        graph.addInput(new ValueInfo("scores", ElementType.FLOAT, Shape.of(List.of(Shape.Dim.symbol("n"),
                Shape.Dim.of(count)))));
        graph.add(Op.ML_ZIP_MAP, List.of("scores"), List.of("probabilities"), Map.of(labelAttribute, labels));
        graph.add(Op.ARG_MAX, List.of("scores"), List.of("label"), Map.of("axis", 1L));
        graph.addOutput("probabilities", ValueType.sequenceOf(
                ValueType.mapOf(keyType, ValueType.tensor(ElementType.FLOAT, Shape.unknownRank()))));
        graph.addOutput(new ValueInfo("label", ElementType.INT64, Shape.of(List.of(Shape.Dim.symbol("n"),
                Shape.Dim.of(1)))));
        return model;
    }

    private static void requireLabels(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("A ZipMap classifier needs at least one label; received none");
        }
    }

    /** A shape of symbolic dimensions. */
    private static Shape symbolic(String... names) {
        return Shape.of(Arrays.stream(names).map(Shape.Dim::symbol).toList());
    }
}
