package dev.outpost.model;

import dev.outpost.model.proto.Onnx.ValueInfoProto;
import java.util.Objects;

/**
 * A named tensor's declared type: graph inputs, outputs and {@code value_info} entries. Non-tensor
 * types (sequences, maps) read as {@link ElementType#UNDEFINED} with an unknown-rank shape; see
 * {@link Graph#valueType(String)} and {@link ValueType} for those.
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
        return switch (TypeProtos.fromProto(proto.getType()).orElse(null)) {
            case ValueType.TensorType tensor -> new ValueInfo(proto.getName(), tensor.elementType(), tensor.shape());
            case null, default -> new ValueInfo(proto.getName(), ElementType.UNDEFINED, Shape.unknownRank());
        };
    }

    ValueInfoProto toProto() {
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProtos.toProto(new ValueType.TensorType(elementType, shape))).build();
    }

    @Override
    public String toString() {
        return name + ": " + elementType.onnxName() + shape;
    }
}
