package dev.outpost.model;

import dev.outpost.model.proto.Onnx.TensorProto;

/**
 * A live handle on one initializer (a named constant tensor) of a {@link Graph}. Reads decode the
 * stored data (raw little-endian bytes or the typed fields; FLOAT16 is widened by {@link #floats()});
 * {@link #set(TensorData)} replaces it, and the change shows in everything written afterwards.
 *
 * <p>Not thread-safe; belongs to its graph. After the initializer is removed from the graph the
 * handle throws {@link IllegalStateException}.
 */
public final class Initializer {

    private final Graph graph;
    private final TensorProto.Builder proto;

    Initializer(Graph graph, TensorProto.Builder proto) {
        this.graph = graph;
        this.proto = proto;
    }

    /** The tensor name. */
    public String name() {
        return live().getName();
    }

    /** The stored element type. */
    public ElementType elementType() {
        return Tensors.elementType(live());
    }

    /** The dimensions (a copy). */
    public long[] dims() {
        return live().getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** Number of elements. */
    public long elementCount() {
        return Tensors.elementCount(live());
    }

    /** Size of the data in bytes. */
    public long byteSize() {
        return Tensors.storedByteSize(live());
    }

    /** The value (decoded now; a copy). */
    public TensorData data() {
        return Tensors.decode(live());
    }

    /** Shortcut for {@code data().floats()}. */
    public float[] floats() {
        return data().floats();
    }

    /** Shortcut for {@code data().longs()}. */
    public long[] longs() {
        return data().longs();
    }

    /** Shortcut for {@code data().ints()}. */
    public int[] ints() {
        return data().ints();
    }

    /** The data as little-endian bytes in ONNX raw layout. */
    public byte[] bytes() {
        return Tensors.rawBytes(live()).toByteArray();
    }

    /** Replaces type, shape and data (stored as raw_data); the name stays. */
    public void set(TensorData data) {
        Tensors.encode(live(), data);
    }

    TensorProto.Builder proto() {
        return live();
    }

    private TensorProto.Builder live() {
        if (!graph.holds(proto)) {
            throw new IllegalStateException("Initializer '" + proto.getName() + "' was removed from its graph");
        }
        return proto;
    }

    @Override
    public String toString() {
        return "Initializer[" + proto.getName() + ": " + ElementType.fromCode(proto.getDataType())
                .map(ElementType::onnxName).orElse("?") + " " + proto.getDimsList() + "]";
    }
}
