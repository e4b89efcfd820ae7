package dev.outpost.model;

import dev.outpost.model.proto.Onnx.TensorShapeProto;
import dev.outpost.model.proto.Onnx.TypeProto;
import dev.outpost.model.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A named tensor's declared type: graph inputs, outputs and {@code value_info} entries. Non-tensor
 * types (sequences, maps) read as {@link ElementType#UNDEFINED} with an unknown-rank shape.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the tensor name
 * @param elementType the element type; UNDEFINED when not declared
 * @param shape the declared shape; {@link Shape#unknownRank()} when none is declared
 */
public record ValueInfo(String name, ElementType elementType, Shape shape) {

    /** Requires a non-empty name, a type and a shape. */
    public ValueInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(shape, "shape");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("A value info needs a non-empty tensor name");
        }
    }

    /** A tensor of static shape {@code dims}. */
    public static ValueInfo of(String name, ElementType type, long... dims) {
        return new ValueInfo(name, type, Shape.of(dims));
    }

    static ValueInfo fromProto(ValueInfoProto proto) {
        TypeProto type = proto.getType();
        if (!type.hasTensorType()) {
            return new ValueInfo(proto.getName(), ElementType.UNDEFINED, Shape.unknownRank());
        }
        TypeProto.Tensor tensor = type.getTensorType();
        ElementType elementType = ElementType.fromCode(tensor.getElemType()).orElse(ElementType.UNDEFINED);
        if (!tensor.hasShape()) {
            return new ValueInfo(proto.getName(), elementType, Shape.unknownRank());
        }
        List<Shape.Dim> dims = new ArrayList<>();
        for (TensorShapeProto.Dimension dim : tensor.getShape().getDimList()) {
            if (dim.hasDimValue() && dim.getDimValue() >= 0) {
                dims.add(Shape.Dim.of(dim.getDimValue()));
            } else if (dim.hasDimParam()) {
                dims.add(Shape.Dim.symbol(dim.getDimParam()));
            } else {
                dims.add(Shape.Dim.unknown());
            }
        }
        return new ValueInfo(proto.getName(), elementType, Shape.of(dims));
    }

    ValueInfoProto toProto() {
        TypeProto.Tensor.Builder tensor = TypeProto.Tensor.newBuilder();
        if (elementType != ElementType.UNDEFINED) {
            tensor.setElemType(elementType.code());
        }
        if (shape.rankKnown()) {
            TensorShapeProto.Builder shapeProto = TensorShapeProto.newBuilder();
            for (Shape.Dim dim : shape.dims()) {
                TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
                if (dim.isKnown()) {
                    d.setDimValue(dim.value());
                } else if (dim.isSymbolic()) {
                    d.setDimParam(dim.symbol());
                }
                shapeProto.addDim(d);
            }
            tensor.setShape(shapeProto);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
    }

    @Override
    public String toString() {
        return name + ": " + elementType.onnxName() + shape;
    }
}
