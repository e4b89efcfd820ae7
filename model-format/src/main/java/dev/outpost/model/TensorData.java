package dev.outpost.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor value: element type, dimensions and the data as little-endian bytes in ONNX raw
 * layout. Used for initializers and tensor attributes (a {@code Constant}'s {@code value}).
 *
 * <p>Immutable and thread-safe: factories copy their arguments and accessors return copies.
 */
public final class TensorData {

    private final ElementType elementType;
    private final long[] dims;
    private final byte[] bytes;

    private TensorData(ElementType elementType, long[] dims, byte[] bytes) {
        this.elementType = Objects.requireNonNull(elementType, "elementType");
        this.dims = dims.clone();
        long count = 1;
        for (long dim : dims) {
            if (dim < 0) {
                throw new IllegalArgumentException("Dimension " + dim + " in " + Arrays.toString(dims)
                        + " is negative; expected >= 0");
            }
            count = Math.multiplyExact(count, dim);
        }
        if (elementType.bits() == 0) {
            throw new IllegalArgumentException("Element type " + elementType.onnxName() + " has no fixed size;"
                    + " expected a numeric type");
        }
        long expected = elementType.bytesFor(count);
        if (bytes.length != expected) {
            throw new IllegalArgumentException("A " + elementType.onnxName() + " tensor of shape "
                    + Arrays.toString(dims) + " needs " + expected + " bytes; received " + bytes.length);
        }
        this.bytes = bytes;
    }

    /** A tensor from little-endian bytes in ONNX raw layout (copied). */
    public static TensorData ofRaw(ElementType type, byte[] littleEndianBytes, long... dims) {
        return new TensorData(type, dims, littleEndianBytes.clone());
    }

    /** A FLOAT tensor. */
    public static TensorData ofFloats(float[] values, long... dims) {
        ByteBuffer buffer = buffer(values.length * 4L);
        buffer.asFloatBuffer().put(values);
        return new TensorData(ElementType.FLOAT, dims, buffer.array());
    }

    /** An INT64 tensor. */
    public static TensorData ofLongs(long[] values, long... dims) {
        ByteBuffer buffer = buffer(values.length * 8L);
        buffer.asLongBuffer().put(values);
        return new TensorData(ElementType.INT64, dims, buffer.array());
    }

    /** An INT32 tensor. */
    public static TensorData ofInts(int[] values, long... dims) {
        ByteBuffer buffer = buffer(values.length * 4L);
        buffer.asIntBuffer().put(values);
        return new TensorData(ElementType.INT32, dims, buffer.array());
    }

    /** An INT8 or UINT8 (or BOOL) tensor from one byte per element. */
    public static TensorData ofBytes(ElementType type, byte[] values, long... dims) {
        if (type.bits() != 8) {
            throw new IllegalArgumentException("ofBytes needs an 8-bit element type; received " + type.onnxName());
        }
        return new TensorData(type, dims, values.clone());
    }

    /** A rank-1 INT64 tensor, the usual form of shape and axes inputs. */
    public static TensorData vector(long... values) {
        return ofLongs(values, values.length);
    }

    /** A scalar FLOAT tensor. */
    public static TensorData scalar(float value) {
        return ofFloats(new float[] {value});
    }

    /** The element type. */
    public ElementType elementType() {
        return elementType;
    }

    /** The dimensions (a copy). */
    public long[] dims() {
        return dims.clone();
    }

    /** Number of elements. */
    public long elementCount() {
        long count = 1;
        for (long dim : dims) {
            count *= dim;
        }
        return count;
    }

    /** The data as little-endian bytes in ONNX raw layout (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Size of the data in bytes. */
    public int byteSize() {
        return bytes.length;
    }

    /**
     * The values as floats: FLOAT as is; FLOAT16 and BFLOAT16 widened; DOUBLE narrowed.
     *
     * @throws ModelFormatException INVALID_MODEL for other element types
     */
    public float[] floats() {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int count = Math.toIntExact(elementCount());
        float[] values = new float[count];
        switch (elementType) {
            case FLOAT -> buffer.asFloatBuffer().get(values);
            case FLOAT16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.float16ToFloat(buffer.getShort());
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.intBitsToFloat((buffer.getShort() & 0xffff) << 16);
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < count; i++) {
                    values[i] = (float) buffer.getDouble();
                }
            }
            default -> throw wrongType("floats()", "float, float16, bfloat16 or double");
        }
        return values;
    }

    /**
     * The values as longs: INT64/UINT64 as is; the narrower integer types and BOOL widened (unsigned
     * ones as unsigned).
     *
     * @throws ModelFormatException INVALID_MODEL for float types and the packed 4-bit integers
     */
    public long[] longs() {
        switch (elementType) {
            case INT64, UINT64, INT32, UINT32, INT16, UINT16, INT8, UINT8, BOOL -> { }
            default -> throw wrongType("longs()", "int64, uint64, int32, uint32, int16, uint16, int8, uint8 or bool");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int count = Math.toIntExact(elementCount());
        long[] values = new long[count];
        for (int i = 0; i < count; i++) {
            values[i] = switch (elementType) {
                case INT64, UINT64 -> buffer.getLong();
                case INT32 -> buffer.getInt();
                case UINT32 -> buffer.getInt() & 0xffffffffL;
                case INT16 -> buffer.getShort();
                case UINT16 -> buffer.getShort() & 0xffff;
                case INT8 -> buffer.get();
                default -> buffer.get() & 0xff;
            };
        }
        return values;
    }

    /**
     * The values as ints: INT32 as is; INT8/UINT8/INT16/UINT16/BOOL widened.
     *
     * @throws ModelFormatException INVALID_MODEL for other types (use {@link #longs()} for 64-bit ones)
     */
    public int[] ints() {
        switch (elementType) {
            case INT32, INT16, UINT16, INT8, UINT8, BOOL -> { }
            default -> throw wrongType("ints()", "int32, int16, uint16, int8, uint8 or bool");
        }
        long[] wide = longs();
        int[] values = new int[wide.length];
        for (int i = 0; i < wide.length; i++) {
            values[i] = (int) wide[i];
        }
        return values;
    }

    private ModelFormatException wrongType(String accessor, String expected) {
        return new ModelFormatException(ModelFormatException.Code.INVALID_MODEL, accessor + " needs " + expected
                + "; the tensor is " + elementType.onnxName() + " " + Arrays.toString(dims));
    }

    private static ByteBuffer buffer(long size) {
        return ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorData that && elementType == that.elementType
                && Arrays.equals(dims, that.dims) && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(elementType, Arrays.hashCode(dims), Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        return "TensorData[" + elementType.onnxName() + " " + Arrays.toString(dims) + "]";
    }
}
