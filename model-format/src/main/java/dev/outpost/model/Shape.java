package dev.outpost.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A tensor shape whose dimensions are each a known size, a symbol (a named dynamic dimension such
 * as {@code batch}), or unknown. A shape of unknown rank is {@link #unknownRank()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param dims the dimensions, outermost first; empty for a scalar
 * @param rankKnown false when not even the number of dimensions is known
 */
public record Shape(List<Dim> dims, boolean rankKnown) {

    private static final Shape UNKNOWN_RANK = new Shape(List.of(), false);

    /** Copies {@code dims}; a shape of unknown rank must have none. */
    public Shape {
        dims = List.copyOf(dims);
        if (!rankKnown && !dims.isEmpty()) {
            throw new IllegalArgumentException("A shape of unknown rank has no dimensions");
        }
    }

    /**
     * One dimension: a known size ({@code value >= 0}), a symbol, or unknown (neither).
     *
     * @param value the size, or -1 when not a known number
     * @param symbol the symbol's name, or {@code ""} when none
     */
    public record Dim(long value, String symbol) {

        private static final Dim UNKNOWN = new Dim(-1, "");

        /** Requires {@code value >= -1}, and no symbol beside a known size. */
        public Dim {
            Objects.requireNonNull(symbol, "symbol");
            if (value < -1) {
                throw new IllegalArgumentException("Dimension " + value + " is negative");
            }
            if (value >= 0 && !symbol.isEmpty()) {
                throw new IllegalArgumentException("Dimension has both a value and a symbol");
            }
        }

        /** A known size ({@code >= 0}). */
        public static Dim of(long value) {
            if (value < 0) {
                throw new IllegalArgumentException("Dimension " + value + " is negative; expected >= 0");
            }
            return new Dim(value, "");
        }

        /** A named dynamic dimension; an empty name gives {@link #unknown()}. */
        public static Dim symbol(String name) {
            if (name.isEmpty()) {
                return UNKNOWN;
            }
            return new Dim(-1, name);
        }

        /** A dimension about which nothing is known. */
        public static Dim unknown() {
            return UNKNOWN;
        }

        /** True when the size is a number. */
        public boolean isKnown() {
            return value >= 0;
        }

        /** True when the dimension is a named symbol. */
        public boolean isSymbolic() {
            return !symbol.isEmpty();
        }

        @Override
        public String toString() {
            return value >= 0 ? Long.toString(value) : symbol.isEmpty() ? "?" : symbol;
        }
    }

    /** A fully static shape. */
    public static Shape of(long... dims) {
        List<Dim> list = new ArrayList<>(dims.length);
        for (long d : dims) {
            list.add(Dim.of(d));
        }
        return new Shape(list, true);
    }

    /** A shape of known rank from the given dimensions. */
    public static Shape of(List<Dim> dims) {
        return new Shape(dims, true);
    }

    /** The shape of a scalar (rank 0). */
    public static Shape scalar() {
        return new Shape(List.of(), true);
    }

    /** A shape about which nothing is known, not even the rank. */
    public static Shape unknownRank() {
        return UNKNOWN_RANK;
    }

    /** Number of dimensions; -1 when unknown. */
    public int rank() {
        return rankKnown ? dims.size() : -1;
    }

    /** Dimension {@code axis}, outermost first. */
    public Dim dim(int axis) {
        return dims.get(axis);
    }

    /** True when the rank and every dimension are known numbers. */
    public boolean isStatic() {
        return rankKnown && dims.stream().allMatch(Dim::isKnown);
    }

    /** The dimensions as numbers, {@code -1} for a symbolic or unknown one. */
    public long[] toArray() {
        return dims.stream().mapToLong(Dim::value).toArray();
    }

    /**
     * Number of elements when the shape is static.
     *
     * @throws IllegalStateException when a dimension or the rank is not known
     */
    public long elementCount() {
        if (!isStatic()) {
            throw new IllegalStateException("Shape " + this + " is not static; element count unknown");
        }
        long count = 1;
        for (Dim d : dims) {
            count = Math.multiplyExact(count, d.value());
        }
        return count;
    }

    @Override
    public String toString() {
        if (!rankKnown) {
            return "[*]";
        }
        return dims.stream().map(Dim::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
