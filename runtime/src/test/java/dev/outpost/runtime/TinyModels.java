package dev.outpost.runtime;

import dev.outpost.model.proto.Onnx.AttributeProto;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.ModelProto;
import dev.outpost.model.proto.Onnx.NodeProto;
import dev.outpost.model.proto.Onnx.OperatorSetIdProto;
import dev.outpost.model.proto.Onnx.StringStringEntryProto;
import dev.outpost.model.proto.Onnx.TensorProto;
import dev.outpost.model.proto.Onnx.TensorShapeProto;
import dev.outpost.model.proto.Onnx.TypeProto;
import dev.outpost.model.proto.Onnx.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.util.Map;

/**
 * Test-only builder of tiny ONNX models (serialized bytes) for behaviour the real models in
 * {@code shared/models} do not cover: string tensors, sequence and map outputs, runtime failures and
 * operators without a kernel. Built with the generated protobuf classes of {@code model-format}, which
 * reach the runtime's tests only through the {@code testing} module (test scope). Kept minimal on
 * purpose: the shared tiny-model builder in {@code testing} will replace it.
 */
final class TinyModels {

    private static final int IR_VERSION = 8;
    private static final int OPSET = 17;

    private TinyModels() {
    }

    /** {@code text: string[n] -> Identity -> echo: string[n]}. */
    static byte[] stringIdentity() {
        GraphProto graph = GraphProto.newBuilder().setName("string_identity")
                .addNode(node("Identity", "text", "echo"))
                .addInput(tensor("text", TensorProto.DataType.STRING, "n"))
                .addOutput(tensor("echo", TensorProto.DataType.STRING, "n"))
                .build();
        return model(graph, Map.of());
    }

    /**
     * {@code x: float[1,size] -> relu: Relu(x) float[1,size]} and
     * {@code pair: SequenceConstruct(x, relu)}: a sequence of two tensors.
     */
    static byte[] reluAndSequence(int size) {
        GraphProto graph = GraphProto.newBuilder().setName("relu_and_sequence")
                .addNode(node("Relu", "x", "relu"))
                .addNode(NodeProto.newBuilder().setOpType("SequenceConstruct")
                        .addInput("x").addInput("relu").addOutput("pair"))
                .addInput(tensor("x", TensorProto.DataType.FLOAT, 1, size))
                .addOutput(tensor("relu", TensorProto.DataType.FLOAT, 1, size))
                .addOutput(ValueInfoProto.newBuilder().setName("pair").setType(TypeProto.newBuilder()
                        .setSequenceType(TypeProto.Sequence.newBuilder()
                                .setElemType(tensorType(TensorProto.DataType.FLOAT)))))
                .build();
        return model(graph, Map.of("outpost.test", "relu-and-sequence"));
    }

    /**
     * A scikit-learn style classifier head: {@code scores: float[n,3] -> ZipMap(labels a,b,c) ->
     * probabilities: seq(map(string,float))} and {@code label: ArgMax(scores) int64[n,1]}.
     */
    static byte[] zipMapClassifier() {
        NodeProto zipMap = NodeProto.newBuilder().setOpType("ZipMap").setDomain("ai.onnx.ml")
                .addInput("scores").addOutput("probabilities")
                .addAttribute(AttributeProto.newBuilder().setName("classlabels_strings")
                        .setType(AttributeProto.AttributeType.STRINGS)
                        .addStrings(ByteString.copyFromUtf8("cat"))
                        .addStrings(ByteString.copyFromUtf8("dog"))
                        .addStrings(ByteString.copyFromUtf8("fox")))
                .build();
        NodeProto argMax = NodeProto.newBuilder().setOpType("ArgMax").addInput("scores").addOutput("label")
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1))
                .build();
        TypeProto mapType = TypeProto.newBuilder().setMapType(TypeProto.Map.newBuilder()
                .setKeyType(TensorProto.DataType.STRING_VALUE)
                .setValueType(tensorType(TensorProto.DataType.FLOAT))).build();
        GraphProto graph = GraphProto.newBuilder().setName("zipmap_classifier")
                .addNode(zipMap).addNode(argMax)
                .addInput(tensor("scores", TensorProto.DataType.FLOAT, "n", 3))
                .addOutput(ValueInfoProto.newBuilder().setName("probabilities").setType(TypeProto.newBuilder()
                        .setSequenceType(TypeProto.Sequence.newBuilder().setElemType(mapType))))
                .addOutput(tensor("label", TensorProto.DataType.INT64, "n", 1))
                .build();
        return model(graph, Map.of());
    }

    /** {@code a: float[a_len] + b: float[b_len] -> sum}: fails inside ORT when the lengths differ (and neither is 1). */
    static byte[] dynamicAdd() {
        GraphProto graph = GraphProto.newBuilder().setName("dynamic_add")
                .addNode(NodeProto.newBuilder().setOpType("Add").addInput("a").addInput("b").addOutput("sum"))
                .addInput(tensor("a", TensorProto.DataType.FLOAT, "a_len"))
                .addInput(tensor("b", TensorProto.DataType.FLOAT, "b_len"))
                .addOutput(tensor("sum", TensorProto.DataType.FLOAT, "out_len"))
                .build();
        return model(graph, Map.of());
    }

    /** {@code image: float[1,3,4,4] -> Identity -> same: float[1,3,4,4]}, with the given metadata. */
    static byte[] imageIdentity(Map<String, String> metadata) {
        GraphProto graph = GraphProto.newBuilder().setName("image_identity")
                .addNode(node("Identity", "image", "same"))
                .addInput(tensor("image", TensorProto.DataType.FLOAT, 1, 3, 4, 4))
                .addOutput(tensor("same", TensorProto.DataType.FLOAT, 1, 3, 4, 4))
                .build();
        return model(graph, metadata);
    }

    /** A valid ONNX graph whose one node ({@code op}, with the given element type) ORT's CPU build has no kernel for. */
    static byte[] singleOp(String op, TensorProto.DataType type) {
        GraphProto graph = GraphProto.newBuilder().setName("single_" + op)
                .addNode(NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + "_node")
                        .addInput("x").addOutput("y"))
                .addInput(tensor("x", type, 4))
                .addOutput(tensor("y", type, 4))
                .build();
        return model(graph, Map.of());
    }

    /** A node whose operator exists in no domain ORT knows: {@code com.example:Frobnicate}. */
    static byte[] unknownOperator() {
        GraphProto graph = GraphProto.newBuilder().setName("unknown_op")
                .addNode(NodeProto.newBuilder().setOpType("Frobnicate").setDomain("com.example")
                        .setName("frob").addInput("x").addOutput("y"))
                .addInput(tensor("x", TensorProto.DataType.FLOAT, 4))
                .addOutput(tensor("y", TensorProto.DataType.FLOAT, 4))
                .build();
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("outpost-tests")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.example").setVersion(1))
                .setGraph(graph).build().toByteArray();
    }

    private static byte[] model(GraphProto graph, Map<String, String> metadata) {
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("outpost-tests")
                .setProducerVersion("1")
                .setDomain("dev.outpost.test")
                .setModelVersion(3)
                .setDocString("tiny test model " + graph.getName())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3))
                .setGraph(graph);
        metadata.forEach((key, value) ->
                model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build().toByteArray();
    }

    private static NodeProto node(String op, String input, String output) {
        return NodeProto.newBuilder().setOpType(op).addInput(input).addOutput(output).build();
    }

    private static TypeProto tensorType(TensorProto.DataType type) {
        return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()))
                .build();
    }

    /** A tensor value info; each dim is a Long/Integer (static) or a String (symbolic). */
    private static ValueInfoProto tensor(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (dim instanceof String symbol) {
                d.setDimParam(symbol);
            } else {
                d.setDimValue(((Number) dim).longValue());
            }
            shape.addDim(d);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
                .build();
    }
}
