package dev.outpost.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A dense tensor: element type, shape and data. Numeric data lives in a direct, native-order
 * {@link ByteBuffer}, so it is handed to ONNX Runtime without a copy; string tensors hold a
 * {@code String[]}.
 *
 * <p>Ownership: whoever creates a tensor (or receives it in {@link Outputs}) owns it and closes it.
 * Closing is idempotent; it releases native memory that backs the tensor (for outputs of a run) and
 * makes every later access throw {@link IllegalStateException}. A tensor is not thread-safe for
 * writing; concurrent reads of a tensor that nobody writes are safe.
 */
public final class Tensor implements AutoCloseable {

    private static final Runnable NOTHING = () -> { };

    /** The most data bytes one tensor may hold: the largest direct buffer Java allocates, with headroom. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private final DType type;
    private final long[] shape;
    private final ByteBuffer data;
    private final String[] strings;
    private final Runnable releaser;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Tensor(DType type, long[] shape, ByteBuffer data, String[] strings, Runnable releaser) {
        this.type = type;
        this.shape = shape;
        this.data = data;
        this.strings = strings;
        this.releaser = releaser;
    }

    /** A zero-filled tensor of the given type and shape, in a new direct buffer. */
    public static Tensor allocate(DType type, long... shape) {
        requireNumeric(type, "allocate");
        long[] dims = checkShape(shape);
        int bytes = checkedByteCount(type, dims);
        return new Tensor(type, dims, ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder()),
                null, NOTHING);
    }

    /**
     * A tensor over the given buffer's remaining bytes. A direct buffer in native order is used as it
     * is (zero copy: later writes to it are seen by the tensor); any other buffer is copied.
     *
     * @throws IllegalArgumentException when the byte count does not match type and shape
     */
    public static Tensor wrap(ByteBuffer buffer, DType type, long... shape) {
        return wrap(buffer, type, shape, NOTHING);
    }

    /**
     * Like {@link #wrap(ByteBuffer, DType, long...)}, calling {@code releaser} once on close: for
     * callers that lend a direct buffer from a pool of their own and take it back when the tensor is
     * closed. A direct buffer in native order is used in place, not copied.
     */
    public static Tensor wrap(ByteBuffer buffer, DType type, long[] shape, Runnable releaser) {
        requireNumeric(type, "wrap");
        long[] dims = checkShape(shape);
        int expected = checkedByteCount(type, dims);
        if (buffer.remaining() != expected) {
            throw new IllegalArgumentException("Buffer has " + buffer.remaining() + " bytes; a "
                    + type.onnxName() + Arrays.toString(dims) + " tensor needs " + expected);
        }
        ByteBuffer view;
        if (buffer.isDirect() && buffer.order() == ByteOrder.nativeOrder()) {
            view = buffer.slice().order(ByteOrder.nativeOrder());
        } else {
            view = ByteBuffer.allocateDirect(expected).order(ByteOrder.nativeOrder());
            view.put(buffer.duplicate().order(buffer.order())).flip();
        }
        return new Tensor(type, dims, view, null, releaser);
    }

    /** A FLOAT32 tensor holding a copy of {@code values}. */
    public static Tensor of(float[] values, long... shape) {
        Tensor tensor = sized(DType.FLOAT32, values.length, shape);
        tensor.data.asFloatBuffer().put(values);
        return tensor;
    }

    /** A FLOAT64 tensor holding a copy of {@code values}. */
    public static Tensor of(double[] values, long... shape) {
        Tensor tensor = sized(DType.FLOAT64, values.length, shape);
        tensor.data.asDoubleBuffer().put(values);
        return tensor;
    }

    /** An INT32 tensor holding a copy of {@code values}. */
    public static Tensor of(int[] values, long... shape) {
        Tensor tensor = sized(DType.INT32, values.length, shape);
        tensor.data.asIntBuffer().put(values);
        return tensor;
    }

    /** An INT64 tensor holding a copy of {@code values}. */
    public static Tensor of(long[] values, long... shape) {
        Tensor tensor = sized(DType.INT64, values.length, shape);
        tensor.data.asLongBuffer().put(values);
        return tensor;
    }

    /** A tensor of a one-byte type ({@code UINT8}, {@code INT8} or {@code BOOL}) holding a copy of {@code values}. */
    public static Tensor of(DType type, byte[] values, long... shape) {
        if (type.byteSize() != 1) {
            throw new IllegalArgumentException("byte[] data needs a one-byte type (UINT8, INT8, BOOL), not " + type);
        }
        Tensor tensor = sized(type, values.length, shape);
        tensor.data.put(values).flip();
        return tensor;
    }

    /** A STRING tensor holding the given values (row-major). */
    public static Tensor ofStrings(String[] values, long... shape) {
        long[] dims = checkShape(shape);
        long count = elementCount(dims);
        if (count != values.length) {
            throw new IllegalArgumentException("Got " + values.length + " strings for shape "
                    + Arrays.toString(dims) + ", which holds " + count);
        }
        for (int i = 0; i < values.length; i++) {
            Objects.requireNonNull(values[i], () -> "string element is null");
        }
        return new Tensor(DType.STRING, dims, null, values.clone(), NOTHING);
    }

    /** Package-private: a string tensor whose strings already belong to it. */
    static Tensor ownedStrings(String[] values, long[] shape, Runnable releaser) {
        return new Tensor(DType.STRING, shape.clone(), null, values, releaser);
    }

    private static Tensor sized(DType type, int length, long[] shape) {
        long[] dims = checkShape(shape);
        if (elementCount(dims) != length) {
            throw new IllegalArgumentException("Got " + length + " values for shape "
                    + Arrays.toString(dims) + ", which holds " + elementCount(dims));
        }
        return allocate(type, dims);
    }

    /** The element type. */
    public DType type() {
        return type;
    }

    /** A copy of the shape. */
    public long[] shape() {
        checkOpen();
        return shape.clone();
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** Number of elements (the product of the dimensions). */
    public long elementCount() {
        return elementCount(shape);
    }

    /** Number of data bytes; 0 for string tensors. */
    public int byteCount() {
        return data == null ? 0 : data.capacity();
    }

    /**
     * A view of the data (position 0, native order). Writing through it changes the tensor. The view
     * must not be used after the tensor is closed.
     */
    public ByteBuffer buffer() {
        checkOpen();
        requireNumeric(type, "buffer");
        return data.duplicate().order(ByteOrder.nativeOrder()).clear();
    }

    /** A FLOAT32 view of the data. */
    public FloatBuffer floatBuffer() {
        requireType(DType.FLOAT32);
        return buffer().asFloatBuffer();
    }

    /** A FLOAT64 view of the data. */
    public DoubleBuffer doubleBuffer() {
        requireType(DType.FLOAT64);
        return buffer().asDoubleBuffer();
    }

    /** An INT32 view of the data. */
    public IntBuffer intBuffer() {
        requireType(DType.INT32);
        return buffer().asIntBuffer();
    }

    /** An INT64 view of the data. */
    public LongBuffer longBuffer() {
        requireType(DType.INT64);
        return buffer().asLongBuffer();
    }

    /** A view of 16-bit data (INT16, UINT16, FLOAT16 or BFLOAT16 bits). */
    public ShortBuffer shortBuffer() {
        checkOpen();
        if (type.byteSize() != 2) {
            throw new IllegalStateException("Tensor is " + type + "; shortBuffer() needs a 16-bit type");
        }
        return buffer().asShortBuffer();
    }

    /** The strings of a STRING tensor (a copy). */
    public String[] strings() {
        requireType(DType.STRING);
        return strings.clone();
    }

    /**
     * Element {@code index} (row-major) converted to float, whatever the numeric type: unsigned types
     * are read as unsigned, FLOAT16/BFLOAT16 are widened, BOOL is 0 or 1.
     */
    public float getFloat(long index) {
        checkOpen();
        requireNumeric(type, "getFloat");
        if (index < 0 || index >= elementCount()) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + elementCount() + ")");
        }
        int i = (int) index;
        return switch (type) {
            case FLOAT32 -> data.getFloat(i * 4);
            case FLOAT64 -> (float) data.getDouble(i * 8);
            case FLOAT16 -> Float.float16ToFloat(data.getShort(i * 2));
            case BFLOAT16 -> Float.intBitsToFloat((data.getShort(i * 2) & 0xffff) << 16);
            case INT8 -> data.get(i);
            case UINT8, BOOL -> data.get(i) & 0xff;
            case INT16 -> data.getShort(i * 2);
            case UINT16 -> data.getShort(i * 2) & 0xffff;
            case INT32 -> data.getInt(i * 4);
            case UINT32 -> Integer.toUnsignedLong(data.getInt(i * 4));
            case INT64 -> data.getLong(i * 8);
            case UINT64 -> unsignedToFloat(data.getLong(i * 8));
            case STRING -> throw new AssertionError("checked above");
        };
    }

    /** All elements converted to float (see {@link #getFloat(long)}). */
    public float[] toFloatArray() {
        checkOpen();
        if (type == DType.FLOAT32) {
            float[] out = new float[(int) elementCount()];
            floatBuffer().get(out);
            return out;
        }
        float[] out = new float[(int) elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getFloat(i);
        }
        return out;
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Releases the tensor's native memory, if any. Idempotent. */
    @Override
    public void close() {
        if (!closed.getAndSet(true)) {
            releaser.run();
        }
    }

    @Override
    public String toString() {
        return "Tensor[" + type.onnxName() + Arrays.toString(shape) + (closed.get() ? ", closed]" : "]");
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Tensor " + type.onnxName() + Arrays.toString(shape)
                    + " is closed; read its data before closing it or the Outputs that own it");
        }
    }

    private void requireType(DType wanted) {
        checkOpen();
        if (type != wanted) {
            throw new IllegalStateException("Tensor is " + type + ", not " + wanted);
        }
    }

    private static void requireNumeric(DType type, String what) {
        if (type == DType.STRING) {
            throw new IllegalArgumentException(what + " is for numeric tensors; use ofStrings/strings() for STRING");
        }
    }

    private static float unsignedToFloat(long value) {
        return value >= 0 ? value : (float) ((value >>> 1) * 2.0 + (value & 1));
    }

    private static long[] checkShape(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Shape " + Arrays.toString(shape)
                        + " has a negative dimension; a tensor's dimensions must all be >= 0");
            }
        }
        try {
            elementCount(shape);
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " has more than "
                    + Long.MAX_VALUE + " elements; a tensor's data is limited to 2 GiB", overflow);
        }
        return shape.clone();
    }

    /** The product of the dimensions (all >= 0); ArithmeticException when it does not fit a long. */
    static long elementCount(long[] shape) {
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
        }
        return count;
    }

    /** Data bytes of a {@code type} tensor of {@code shape} (dimensions >= 0); Long.MAX_VALUE when that overflows. */
    static long byteCount(DType type, long[] shape) {
        try {
            return Math.multiplyExact(elementCount(shape), type.byteSize());
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** Data bytes of a {@code type} tensor of {@code shape}; IllegalArgumentException naming both when over {@link #MAX_BYTES}. */
    static int checkedByteCount(DType type, long[] shape) {
        long bytes = byteCount(type, shape);
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException("A " + type.onnxName() + Arrays.toString(shape) + " tensor is "
                    + (bytes == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : bytes)
                    + " bytes; the limit for one tensor is 2 GiB");
        }
        return (int) bytes;
    }
}
