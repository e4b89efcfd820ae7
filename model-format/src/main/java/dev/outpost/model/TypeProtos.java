package dev.outpost.model;

import dev.outpost.model.ValueType.MapType;
import dev.outpost.model.ValueType.SequenceType;
import dev.outpost.model.ValueType.TensorType;
import dev.outpost.model.proto.Onnx.TensorShapeProto;
import dev.outpost.model.proto.Onnx.TypeProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Converts {@link ValueType} to and from {@code TypeProto}. Stateless and thread-safe. */
final class TypeProtos {

    private TypeProtos() {
    }

    /** The protobuf form. */
    static TypeProto toProto(ValueType type) {
        return switch (type) {
            case TensorType tensor -> {
                TypeProto.Tensor.Builder proto = TypeProto.Tensor.newBuilder();
                if (tensor.elementType() != ElementType.UNDEFINED) {
                    proto.setElemType(tensor.elementType().code());
                }
                if (tensor.shape().rankKnown()) {
                    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
                    for (Shape.Dim dim : tensor.shape().dims()) {
                        TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
                        if (dim.isKnown()) {
                            d.setDimValue(dim.value());
                        } else if (dim.isSymbolic()) {
                            d.setDimParam(dim.symbol());
                        }
                        shape.addDim(d);
                    }
                    proto.setShape(shape);
                }
                yield TypeProto.newBuilder().setTensorType(proto).build();
            }
            case SequenceType sequence -> TypeProto.newBuilder()
                    .setSequenceType(TypeProto.Sequence.newBuilder().setElemType(toProto(sequence.element()))).build();
            case MapType map -> TypeProto.newBuilder().setMapType(TypeProto.Map.newBuilder()
                    .setKeyType(map.keyType().code()).setValueType(toProto(map.value()))).build();
        };
    }

    /**
     * The type a protobuf declares; empty when it declares none, or a kind this type does not model
     * (optional, sparse tensor, opaque), or a map whose key type is not string or integral. A tensor
     * element type ONNX does not define reads as {@link ElementType#UNDEFINED}.
     */
    static Optional<ValueType> fromProto(TypeProto proto) {
        if (proto.hasTensorType()) {
            TypeProto.Tensor tensor = proto.getTensorType();
            ElementType elementType = ElementType.fromCode(tensor.getElemType()).orElse(ElementType.UNDEFINED);
            if (!tensor.hasShape()) {
                return Optional.of(new TensorType(elementType, Shape.unknownRank()));
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
            return Optional.of(new TensorType(elementType, Shape.of(dims)));
        }
        if (proto.hasSequenceType() && proto.getSequenceType().hasElemType()) {
            return fromProto(proto.getSequenceType().getElemType()).map(SequenceType::new);
        }
        if (proto.hasMapType() && proto.getMapType().hasValueType()) {
            Optional<ElementType> key = ElementType.fromCode(proto.getMapType().getKeyType()).filter(ElementType::isMapKey);
            Optional<ValueType> value = fromProto(proto.getMapType().getValueType());
            return key.isPresent() && value.isPresent()
                    ? Optional.of(new MapType(key.get(), value.get())) : Optional.empty();
        }
        return Optional.empty();
    }
}
