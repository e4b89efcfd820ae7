package dev.outpost.model;

import java.util.Objects;

/**
 * The element type and shape of one tensor, as inferred by Outpost or reported by a {@link ShapeOracle}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param elementType the element type; {@link ElementType#UNDEFINED} when not known
 * @param shape the shape, with symbolic dimensions kept as symbols
 */
public record TypeAndShape(ElementType elementType, Shape shape) {

    /** Requires both components. */
    public TypeAndShape {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(shape, "shape");
    }

    /** True when the type is known, the rank is known and every dimension is a number or a named symbol. */
    public boolean isResolved() {
        return elementType != ElementType.UNDEFINED && shape.rankKnown()
                && shape.dims().stream().allMatch(dim -> dim.isKnown() || dim.isSymbolic());
    }

    @Override
    public String toString() {
        return elementType.onnxName() + shape;
    }
}
