package dev.outpost.model;

/**
 * The type of a node attribute, as {@code AttributeProto.AttributeType} defines it, with the Java
 * type {@link Node#attribute(String)} returns for it and {@link Node#setAttribute} accepts.
 *
 * <p>Immutable and thread-safe.
 */
public enum AttributeType {
    /** {@code Float} (a {@code Double} is accepted and narrowed). */
    FLOAT(1),
    /** {@code Long} (an {@code Integer} or a {@code Boolean} is accepted). */
    INT(2),
    /** {@code String}, stored as UTF-8. */
    STRING(3),
    /** {@link TensorData}. */
    TENSOR(4),
    /** {@link Graph} (a view of the subgraph). */
    GRAPH(5),
    /** {@code float[]} (a {@code double[]} is accepted). */
    FLOATS(6),
    /** {@code long[]} (an {@code int[]} is accepted). */
    INTS(7),
    /** {@code List<String>} (a {@code String[]} is accepted). */
    STRINGS(8),
    /** {@code List<TensorData>}. */
    TENSORS(9),
    /** {@code List<Graph>}. */
    GRAPHS(10);

    private final int code;

    AttributeType(int code) {
        this.code = code;
    }

    /** The {@code AttributeProto.AttributeType} number. */
    public int code() {
        return code;
    }
}
