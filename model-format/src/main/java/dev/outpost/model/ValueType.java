package dev.outpost.model;

import java.util.Objects;

/**
 * The type of a graph value as ONNX declares it: a tensor, a sequence of values, or a map from an
 * integral or string key to a value. Tensors are what most graphs carry and {@link ValueInfo} covers
 * them; this type also describes the non-tensor outputs of classical-ML and sequence operators, e.g.
 * ZipMap's {@code seq(map(string,tensor(float)))}. {@link #toString()} spells a type the way ONNX does.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface ValueType permits ValueType.TensorType, ValueType.SequenceType, ValueType.MapType {

    /**
     * A tensor of an element type and a shape.
     *
     * @param elementType the element type; UNDEFINED when not declared
     * @param shape the declared shape; {@link Shape#unknownRank()} when none is declared
     */
    record TensorType(ElementType elementType, Shape shape) implements ValueType {
        /** Requires a type and a shape. */
        public TensorType {
            Objects.requireNonNull(elementType, "elementType");
            Objects.requireNonNull(shape, "shape");
        }

        @Override
        public String toString() {
            return "tensor(" + elementType.onnxName() + ")";
        }
    }

    /**
     * A sequence whose elements all have one type.
     *
     * @param element the type of every element
     */
    record SequenceType(ValueType element) implements ValueType {
        /** Requires an element type. */
        public SequenceType {
            Objects.requireNonNull(element, "element");
        }

        @Override
        public String toString() {
            return "seq(" + element + ")";
        }
    }

    /**
     * A map from keys of an integral or string type to values of one type.
     *
     * @param keyType an integral element type or {@link ElementType#STRING}
     * @param value the type of every value
     */
    record MapType(ElementType keyType, ValueType value) implements ValueType {
        /** Requires an integral or string key type (as ONNX does) and a value type. */
        public MapType {
            Objects.requireNonNull(keyType, "keyType");
            Objects.requireNonNull(value, "value");
            if (!keyType.isMapKey()) {
                throw new IllegalArgumentException("A map key type is " + keyType.onnxName()
                        + "; expected string or an integral type (int8..int64, uint8..uint64)");
            }
        }

        @Override
        public String toString() {
            return "map(" + keyType.onnxName() + "," + value + ")";
        }
    }

    /** A tensor of {@code type} with shape {@code shape}. */
    static TensorType tensor(ElementType type, Shape shape) {
        return new TensorType(type, shape);
    }

    /** A tensor of {@code type} with the static shape {@code dims}; no dims is a scalar. */
    static TensorType tensor(ElementType type, long... dims) {
        return new TensorType(type, Shape.of(dims));
    }

    /** A sequence of {@code element}s. */
    static SequenceType sequenceOf(ValueType element) {
        return new SequenceType(element);
    }

    /** A map from {@code keyType} keys to {@code value}s. */
    static MapType mapOf(ElementType keyType, ValueType value) {
        return new MapType(keyType, value);
    }
}
