package dev.outpost.model;

import com.google.protobuf.ByteString;
import dev.outpost.model.proto.Onnx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Builds tiny hand-made ONNX models with the generated protobuf builders, for per-rule tests. Dims are
 * given as Long (a size) or String (a symbol).
 */
final class TinyModels {

    private TinyModels() {
    }

    static Onnx.ValueInfoProto value(String name, ElementType type, Object... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            Onnx.TensorShapeProto.Dimension.Builder builder = Onnx.TensorShapeProto.Dimension.newBuilder();
            if (dim instanceof String symbol) {
                builder.setDimParam(symbol);
            } else {
                builder.setDimValue(((Number) dim).longValue());
            }
            shape.addDim(builder);
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(type.code()).setShape(shape))).build();
    }

    static Onnx.ValueInfoProto floats(String name, Object... dims) {
        return value(name, ElementType.FLOAT, dims);
    }

    static Onnx.NodeProto node(String opType, List<String> inputs, List<String> outputs,
                               Onnx.AttributeProto... attributes) {
        return Onnx.NodeProto.newBuilder().setOpType(opType).setName(opType.toLowerCase() + "_" + outputs.get(0))
                .addAllInput(inputs).addAllOutput(outputs).addAllAttribute(List.of(attributes)).build();
    }

    static Onnx.AttributeProto ints(String name, long... values) {
        Onnx.AttributeProto.Builder builder = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long value : values) {
            builder.addInts(value);
        }
        return builder.build();
    }

    static Onnx.AttributeProto integer(String name, long value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    static Onnx.AttributeProto string(String name, String value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    /** A 1-D int64 initializer. */
    static Onnx.TensorProto int64s(String name, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            raw.putLong(value);
        }
        return Onnx.TensorProto.newBuilder().setName(name).setDataType(ElementType.INT64.code())
                .addDims(values.length).setRawData(ByteString.copyFrom(raw.array())).build();
    }

    /** A 1-D float initializer with the given values. */
    static Onnx.TensorProto float32s(String name, float... values) {
        Onnx.TensorProto.Builder builder = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(ElementType.FLOAT.code()).addDims(values.length);
        for (float value : values) {
            builder.addFloatData(value);
        }
        return builder.build();
    }

    /** A scalar (rank-0) float initializer. */
    static Onnx.TensorProto scalar(String name, float value) {
        return Onnx.TensorProto.newBuilder().setName(name).setDataType(ElementType.FLOAT.code()).addFloatData(value).build();
    }

    /** A zero-filled initializer of any shape. */
    static Onnx.TensorProto zeros(String name, ElementType type, long... dims) {
        long count = 1;
        Onnx.TensorProto.Builder builder = Onnx.TensorProto.newBuilder().setName(name).setDataType(type.code());
        for (long dim : dims) {
            builder.addDims(dim);
            count *= dim;
        }
        return builder.setRawData(ByteString.copyFrom(new byte[(int) type.bytesFor(count)])).build();
    }

    static Onnx.ModelProto model(long opset, List<Onnx.ValueInfoProto> inputs, List<Onnx.TensorProto> initializers,
                                 List<Onnx.NodeProto> nodes, String... outputs) {
        Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("tiny").addAllInput(inputs)
                .addAllInitializer(initializers).addAllNode(nodes);
        for (String output : outputs) {
            graph.addOutput(Onnx.ValueInfoProto.newBuilder().setName(output));
        }
        return Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("outpost-tests")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph).build();
    }

    /** One node reading graph inputs and initializers, writing output "y". */
    static Onnx.ModelProto single(long opset, Onnx.NodeProto node, List<Onnx.ValueInfoProto> inputs,
                                  Onnx.TensorProto... initializers) {
        return model(opset, inputs, List.of(initializers), List.of(node),
                node.getOutputList().toArray(String[]::new));
    }
}
