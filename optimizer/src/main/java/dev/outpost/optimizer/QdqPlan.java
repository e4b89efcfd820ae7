package dev.outpost.optimizer;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.InferredTypes;
import dev.outpost.model.Initializer;
import dev.outpost.model.Node;
import dev.outpost.model.Op;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which tensors of an fp32 graph static QDQ quantization rewrites, decided before calibration so that
 * only the tensors that need a range are exposed: activations that get a QuantizeLinear/
 * DequantizeLinear pair, constant weights (per channel for Conv, ConvTranspose and Gemm, per column for MatMul, when asked),
 * int32 biases, pass-through operators whose output shares its input's parameters (so ONNX Runtime
 * can drop their Q/DQ pairs), and Relu/Clip nodes absorbed into the range of the tensor before them.
 *
 * <p>The operators follow ONNX Runtime's QDQ selectors (REFERENCE-INFERENCE.md 2.4): Conv, Gemm and
 * MatMul fuse into QLinearConv / QGemm / QLinearMatMul, Add and Mul into QLinearAdd / QLinearMul,
 * Concat, AveragePool, GlobalAveragePool, Sigmoid and LeakyRelu into their QLinear forms; MaxPool,
 * Resize, Reshape, Transpose, Squeeze, Unsqueeze and Flatten run in 8 bits directly. Graph outputs
 * keep fp32 (the last node reads quantized inputs and computes in float).
 */
final class QdqPlan {

    /** An input of a node to be replaced by a quantized constant. */
    record ConstantUse(Node node, int input, int axis) {
    }

    /** A bias input to become int32 with scale {@code scale(activation) * scale(weight)}. */
    record BiasUse(Node node, int input, String activation, String weight, int weightAxis) {
    }

    /** Operators that read quantized inputs (directly or as pass-through). */
    private static final Set<Op> QUANTIZED_READERS = java.util.EnumSet.of(Op.CONV, Op.CONV_TRANSPOSE, Op.GEMM,
            Op.MAT_MUL, Op.ADD, Op.MUL, Op.CONCAT, Op.AVERAGE_POOL, Op.GLOBAL_AVERAGE_POOL, Op.SIGMOID, Op.LEAKY_RELU,
            Op.MAX_POOL, Op.RESIZE, Op.RESHAPE, Op.TRANSPOSE, Op.SQUEEZE, Op.UNSQUEEZE, Op.FLATTEN);

    /** Operators that only join or rearrange values. */
    private static final Set<Op> TAIL_OPS = java.util.EnumSet.of(Op.CONCAT, Op.RESHAPE, Op.TRANSPOSE, Op.FLATTEN,
            Op.SQUEEZE, Op.UNSQUEEZE, Op.IDENTITY);

    private final Set<Node> outputTail = new java.util.HashSet<>();
    final Set<String> activations = new LinkedHashSet<>();
    final Map<String, String> rangeSource = new LinkedHashMap<>();
    final Map<String, String> sameParamsAs = new LinkedHashMap<>();
    final List<ConstantUse> weights = new ArrayList<>();
    final List<ConstantUse> constantActivations = new ArrayList<>();
    final List<BiasUse> biases = new ArrayList<>();
    final List<Node> absorbed = new ArrayList<>();
    /** Output of an absorbed Relu/Clip to the tensor its readers will read instead. */
    private final Map<String, String> absorbedOutputs = new LinkedHashMap<>();
    final Map<String, Integer> quantizedOps = new LinkedHashMap<>();
    /** The nodes that read quantized inputs, in topological order. */
    final List<Node> quantizedNodes = new ArrayList<>();
    final Map<String, String> keptFloat = new LinkedHashMap<>();

    private final Graph graph;
    private final InferredTypes types;
    private final boolean perChannel;
    private final Optional<Boolean> depthwisePerChannel;

    /** Auto depthwise choice: per tensor when its weight SQNR is at most this far below per channel's. */
    static final double DEPTHWISE_SQNR_MARGIN_DB = 3.0;
    private final Set<String> excludeOps;
    private final Set<String> excludeNodes;
    private final Set<String> graphOutputs = new LinkedHashSet<>();

    private QdqPlan(Graph graph, InferredTypes types, boolean perChannel, Optional<Boolean> depthwisePerChannel,
            Set<String> excludeOps, Set<String> excludeNodes) {
        this.graph = graph;
        this.types = types;
        this.perChannel = perChannel;
        this.depthwisePerChannel = depthwisePerChannel;
        this.excludeOps = excludeOps;
        this.excludeNodes = excludeNodes;
        graph.outputs().forEach(output -> graphOutputs.add(output.name()));
    }

    /** Plans the quantization of a graph (nothing is changed). */
    static QdqPlan of(Graph graph, InferredTypes types, boolean perChannel, Optional<Boolean> depthwisePerChannel,
            Set<String> excludeOps, Set<String> excludeNodes) {
        QdqPlan plan = new QdqPlan(graph, types, perChannel, depthwisePerChannel, excludeOps, excludeNodes);
        plan.findOutputTail();
        for (Node node : graph.topologicalOrder()) {
            plan.visit(node);
        }
        return plan;
    }

    /** The float inputs of Conv and Gemm nodes with a bias, whose channel means bias correction needs. */
    Set<String> tensorsForBiasCorrection() {
        Set<String> wanted = new LinkedHashSet<>();
        for (BiasUse bias : biases) {
            if (bias.node().is(Op.CONV) || bias.node().is(Op.GEMM)) {
                wanted.add(rangeSource.getOrDefault(bias.activation(), bias.activation()));
            }
        }
        return wanted;
    }

    /** The tensor that readers of {@code tensor} will read once absorbed activations are gone. */
    String readerOf(String tensor) {
        return reader(tensor);
    }

    /** The tensors whose ranges calibration must find. */
    Set<String> tensorsToCalibrate() {
        Set<String> wanted = new LinkedHashSet<>();
        for (String tensor : activations) {
            if (!sameParamsAs.containsKey(tensor)) {
                wanted.add(rangeSource.getOrDefault(tensor, tensor));
            }
        }
        return wanted;
    }

    /**
     * Marks the Concat and layout nodes between the last computing nodes and the graph outputs: a
     * detector's head concatenates box coordinates (tens of pixels) with scores (0 to 1), and one
     * 8-bit scale for both would erase the scores (YOLOX-nano mAP@0.5 0.52 to 0.04).
     */
    private void findOutputTail() {
        List<Node> order = new ArrayList<>(graph.topologicalOrder());
        java.util.Collections.reverse(order);
        for (Node node : order) {
            if (!node.domain().isEmpty() || node.op().filter(TAIL_OPS::contains).isEmpty()) {
                continue;
            }
            boolean tail = true;
            for (String out : node.outputs()) {
                if (!graphOutputs.contains(out)) {
                    List<Node> readers = graph.consumers(out);
                    tail &= !readers.isEmpty() && outputTail.containsAll(readers);
                }
            }
            if (tail) {
                outputTail.add(node);
            }
        }
    }

    private void visit(Node node) {
        if (absorbed.contains(node)) {
            return;
        }
        if (outputTail.contains(node) && node.is(Op.CONCAT)) {
            keptFloat.put(node.label(), "joins outputs on their way to a graph output (e.g. boxes and scores),"
                    + " which need separate scales");
            return;
        }
        if (outputTail.contains(node)) {
            return;
        }
        Optional<Op> op = node.op();
        if (op.isEmpty() || !node.domain().isEmpty()) {
            return;
        }
        if (excludeNodes.contains(node.name())) {
            keptFloat.put(node.label(), "excluded by --exclude-node");
            return;
        }
        if (excludeOps.contains(node.opType())) {
            keptFloat.put(node.label(), "excluded by --exclude-op");
            return;
        }
        switch (op.get()) {
            case CONV, CONV_TRANSPOSE -> weighted(node, op.get() == Op.CONV ? 0 : 1, true);
            case GEMM -> {
                if (node.attributeInt("transA", 0) != 0) {
                    keptFloat.put(node.label(), "Gemm with transA is not fused by ONNX Runtime");
                    return;
                }
                weighted(node, node.attributeInt("transB", 0) != 0 ? 0 : 1,
                        node.attributeFloat("alpha", 1f) == 1f && node.attributeFloat("beta", 1f) == 1f);
            }
            case MAT_MUL -> {
                if (isFloatConstant(node.input(1))) {
                    // Per column: the weight's last axis is the output's (a [K, N] weight has N columns).
                    weighted(node, graph.initializer(node.input(1)).orElseThrow().dims().length - 1, false);
                } else if (isFloat(node.input(0)) && isFloat(node.input(1))) {
                    activation(node, 0);
                    activation(node, 1);
                    output(node);
                }
            }
            case ADD, MUL, CONCAT -> {
                for (int i = 0; i < node.inputCount(); i++) {
                    if (!isFloat(node.input(i))) {
                        return;
                    }
                }
                for (int i = 0; i < node.inputCount(); i++) {
                    activation(node, i);
                }
                output(node);
            }
            case AVERAGE_POOL, GLOBAL_AVERAGE_POOL, SIGMOID, LEAKY_RELU -> {
                if (isFloat(node.input(0)) && !graph.isInitializer(node.input(0))) {
                    activation(node, 0);
                    output(node);
                }
            }
            case MAX_POOL, RESIZE, RESHAPE, TRANSPOSE, SQUEEZE, UNSQUEEZE, FLATTEN -> {
                String in = reader(node.input(0));
                String out = node.output(0);
                if (activations.contains(in) && node.outputCount() == 1 && !graphOutputs.contains(out)) {
                    activations.add(out);
                    sameParamsAs.put(out, in);
                    count(node);
                }
            }
            default -> {
            }
        }
    }

    private void weighted(Node node, int channelAxis, boolean biasAllowed) {
        String weight = node.input(1);
        if (!isFloat(node.input(0)) || !isFloatConstant(weight)) {
            keptFloat.put(node.label(), "its weight is not a float constant");
            return;
        }
        activation(node, 0);
        Initializer w = graph.initializer(weight).orElseThrow();
        boolean depthwise = node.is(Op.CONV) && node.attributeInt("group", 1) > 1
                && node.attributeInt("group", 1) == w.dims()[0] && w.dims()[1] == 1;
        boolean byChannel = perChannel && (!depthwise || depthwisePerChannel.orElseGet(
                () -> WeightQuantization.sqnrDb(w.floats(), w.dims(), -1) + DEPTHWISE_SQNR_MARGIN_DB
                        < WeightQuantization.sqnrDb(w.floats(), w.dims(), 0)));
        int axis = byChannel && channelAxis >= 0 && w.dims().length >= 2 ? channelAxis : -1;
        weights.add(new ConstantUse(node, 1, axis));
        if (node.inputCount() > 2 && !node.input(2).isEmpty()) {
            Optional<Initializer> bias = graph.initializer(node.input(2));
            long channels = axis >= 0 ? w.dims()[axis] : -1;
            if (biasAllowed && bias.isPresent() && bias.get().elementType() == ElementType.FLOAT
                    && bias.get().dims().length == 1 && (axis < 0 || bias.get().dims()[0] == channels)) {
                biases.add(new BiasUse(node, 2, reader(node.input(0)), weight, axis));
            }
        }
        output(node);
    }

    private void activation(Node node, int input) {
        String tensor = reader(node.input(input));
        if (graph.isInitializer(tensor)) {
            constantActivations.add(new ConstantUse(node, input, -1));
        } else {
            activations.add(tensor);
        }
    }

    /** Plans the node's output, absorbing a following Relu or Clip(min <= 0) that is its only reader. */
    private void output(Node node) {
        count(node);
        String out = node.output(0);
        if (graphOutputs.contains(out) || !isFloat(out)) {
            return;
        }
        List<Node> readers = graph.consumers(out);
        if (readers.size() == 1 && absorbable(readers.get(0))) {
            Node activation = readers.get(0);
            if (!readByQuantizedOp(activation.output(0))) {
                return;
            }
            absorbed.add(activation);
            absorbedOutputs.put(activation.output(0), out);
            rangeSource.put(out, activation.output(0));
        } else if (!readByQuantizedOp(out)) {
            return;
        }
        activations.add(out);
    }

    /**
     * Whether some reader of the tensor will take it quantized. An output only float operators read
     * (a Softmax, say) stays float: quantizing it would only add error, such as ties among the logits
     * that decide top-1.
     */
    private boolean readByQuantizedOp(String tensor) {
        for (Node reader : graph.consumers(tensor)) {
            boolean excluded = excludeNodes.contains(reader.name()) || excludeOps.contains(reader.opType())
                    || outputTail.contains(reader);
            if (!excluded && reader.domain().isEmpty() && reader.op().filter(QUANTIZED_READERS::contains).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private boolean absorbable(Node activation) {
        if (graphOutputs.contains(activation.output(0)) || excludeNodes.contains(activation.name())
                || !activation.domain().isEmpty()) {
            return false;
        }
        if (activation.is(Op.RELU)) {
            return true;
        }
        if (activation.is(Op.CLIP)) {
            if (activation.inputCount() < 2 || activation.input(1).isEmpty()) {
                return false;
            }
            return graph.initializer(activation.input(1))
                    .filter(min -> min.elementCount() == 1 && min.floats()[0] <= 0f)
                    .isPresent()
                    && (activation.inputCount() < 3 || activation.input(2).isEmpty()
                    || graph.isInitializer(activation.input(2)));
        }
        return false;
    }

    /** The tensor a reader of {@code tensor} reads once absorbed activations are gone. */
    private String reader(String tensor) {
        return absorbedOutputs.getOrDefault(tensor, tensor);
    }

    private void count(Node node) {
        quantizedOps.merge(node.opType(), 1, Integer::sum);
        quantizedNodes.add(node);
    }

    private boolean isFloatConstant(String tensor) {
        return graph.initializer(tensor).filter(i -> i.elementType() == ElementType.FLOAT).isPresent();
    }

    private boolean isFloat(String tensor) {
        if (tensor.isEmpty()) {
            return false;
        }
        Optional<Initializer> init = graph.initializer(tensor);
        if (init.isPresent()) {
            return init.get().elementType() == ElementType.FLOAT;
        }
        return types.find(tensor).filter(t -> t.elementType() == ElementType.FLOAT).isPresent();
    }
}
