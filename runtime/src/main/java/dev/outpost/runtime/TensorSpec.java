package dev.outpost.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Name, element type and shape of a model input or output. A dimension of {@code -1} is dynamic;
 * its symbolic name (e.g. {@code "batch"}) is in {@link #dimNames()} where the model gives one, and
 * an empty string otherwise.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the tensor's name in the model
 * @param type the element type
 * @param shape the dimensions, {@code -1} for a dynamic one
 * @param dimNames one entry per dimension: the symbol of a dynamic dimension, or {@code ""}
 */
public record TensorSpec(String name, DType type, List<Long> shape, List<String> dimNames) {

    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = List.copyOf(shape);
        dimNames = dimNames == null || dimNames.isEmpty()
                ? List.copyOf(java.util.Collections.nCopies(shape.size(), ""))
                : List.copyOf(dimNames);
        if (dimNames.size() != shape.size()) {
            throw new IllegalArgumentException("TensorSpec '" + name + "': " + shape.size()
                    + " dimensions but " + dimNames.size() + " dimension names");
        }
        for (long d : shape) {
            if (d < -1) {
                throw new IllegalArgumentException("TensorSpec '" + name + "': dimension " + d
                        + " is invalid; expected >= 0, or -1 for dynamic");
            }
        }
    }

    /** A spec with the given static or dynamic ({@code -1}) dimensions and no symbols. */
    public static TensorSpec of(String name, DType type, long... shape) {
        List<Long> dims = new ArrayList<>(shape.length);
        for (long d : shape) {
            dims.add(d);
        }
        return new TensorSpec(name, type, dims, List.of());
    }

    /** The shape as an array ({@code -1} for dynamic dimensions). */
    public long[] shapeArray() {
        return shape.stream().mapToLong(Long::longValue).toArray();
    }

    /** True when every dimension is known. */
    public boolean isStatic() {
        return shape.stream().allMatch(d -> d >= 0);
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.size();
    }

    /**
     * True when a tensor of the given type and shape fits this spec: same type, same rank, and every
     * static dimension equal.
     */
    public boolean accepts(DType actualType, long[] actualShape) {
        if (actualType != type || actualShape.length != shape.size()) {
            return false;
        }
        for (int i = 0; i < actualShape.length; i++) {
            long d = shape.get(i);
            if (d >= 0 && d != actualShape[i]) {
                return false;
            }
        }
        return true;
    }

    /** The shape as people read it: {@code [batch,3,224,224]}. */
    public String shapeString() {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < shape.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            long d = shape.get(i);
            out.append(d >= 0 ? Long.toString(d) : dimNames.get(i).isEmpty() ? "?" : dimNames.get(i));
        }
        return out.append(']').toString();
    }

    @Override
    public String toString() {
        return name + " " + type.onnxName() + shapeString();
    }
}
