package dev.outpost.model;

import dev.outpost.model.proto.Onnx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The known contents of a small tensor (an initializer, a Constant node, or the result of folding a
 * shape computation such as {@code Shape -> Gather -> Concat}), used by shape rules that read their
 * shape-like inputs (Reshape, Slice, Resize, Pad, Tile, Expand, ...).
 *
 * <p>Integer tensors keep {@code long} values; an element may be a symbol instead (the batch "N" taken
 * from a {@code Shape}), held in {@code symbols} ({@code null} where the element is a number, "" where
 * it is unknown). Float tensors keep {@code double} values. Immutable by convention; internal.
 */
record ConstValue(ElementType type, long[] dims, long[] ints, double[] reals, String[] symbols) {

    /** Tensors larger than this are not decoded: shape inputs are tiny, weights are not needed. */
    static final int MAX_ELEMENTS = 4096;

    static ConstValue ofInts(ElementType type, long[] dims, long[] values) {
        return new ConstValue(type, dims, values, null, null);
    }

    static ConstValue ofDims(List<Shape.Dim> dims) {
        long[] values = new long[dims.size()];
        String[] symbols = null;
        for (int i = 0; i < values.length; i++) {
            Shape.Dim dim = dims.get(i);
            if (dim.isKnown()) {
                values[i] = dim.value();
            } else {
                if (symbols == null) {
                    symbols = new String[values.length];
                }
                values[i] = -1;
                symbols[i] = dim.symbol();
            }
        }
        return new ConstValue(ElementType.INT64, new long[] {values.length}, values, null, symbols);
    }

    boolean isInteger() {
        return ints != null;
    }

    int size() {
        return isInteger() ? ints.length : reals.length;
    }

    boolean isSymbolic(int index) {
        return symbols != null && symbols[index] != null;
    }

    boolean allNumbers() {
        return symbols == null || Arrays.stream(symbols).allMatch(s -> s == null);
    }

    /** Element {@code index} as a dimension (a number or a symbol). */
    Shape.Dim dimAt(int index) {
        if (isSymbolic(index)) {
            return Shape.Dim.symbol(symbols[index]);
        }
        long value = isInteger() ? ints[index] : (long) reals[index];
        return value >= 0 ? Shape.Dim.of(value) : Shape.Dim.unknown();
    }

    long[] longs() {
        if (isInteger()) {
            return ints;
        }
        return Arrays.stream(reals).mapToLong(value -> (long) value).toArray();
    }

    double[] doubles() {
        if (!isInteger()) {
            return reals;
        }
        return Arrays.stream(ints).asDoubleStream().toArray();
    }

    Shape shape() {
        return Shape.of(dims);
    }

    /** Number of values stored in the typed field that holds {@code type}. */
    private static int typedCount(Onnx.TensorProto tensor, ElementType type) {
        return switch (type) {
            case INT64 -> tensor.getInt64DataCount();
            case UINT64, UINT32 -> tensor.getUint64DataCount();
            case FLOAT -> tensor.getFloatDataCount();
            case DOUBLE -> tensor.getDoubleDataCount();
            default -> tensor.getInt32DataCount();
        };
    }

    /**
     * Decodes a TensorProto when it is small, stored inline and of a numeric type; otherwise null.
     */
    static ConstValue decode(Onnx.TensorProto tensor) {
        long count = 1;
        for (long dim : tensor.getDimsList()) {
            count *= dim;
        }
        if (count < 0 || count > MAX_ELEMENTS || tensor.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
            return null;
        }
        ElementType type = ElementType.fromCode(tensor.getDataType()).orElse(ElementType.UNDEFINED);
        long[] dims = tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
        int n = (int) count;
        ByteBuffer raw = tensor.hasRawData()
                ? tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN) : null;
        if (raw != null ? raw.remaining() < type.bytesFor(n) : typedCount(tensor, type) < n) {
            return null;
        }
        switch (type) {
            case INT64 -> {
                long[] values = new long[n];
                for (int i = 0; i < n; i++) {
                    values[i] = raw != null ? raw.getLong() : tensor.getInt64Data(i);
                }
                return ofInts(type, dims, values);
            }
            case INT32, INT16, INT8, UINT8, UINT16, BOOL -> {
                long[] values = new long[n];
                for (int i = 0; i < n; i++) {
                    values[i] = raw == null ? tensor.getInt32Data(i) : switch (type) {
                        case INT32 -> raw.getInt();
                        case INT16 -> raw.getShort();
                        case UINT16 -> raw.getShort() & 0xFFFF;
                        case INT8 -> raw.get();
                        default -> raw.get() & 0xFF;
                    };
                }
                return ofInts(type, dims, values);
            }
            case UINT64, UINT32 -> {
                long[] values = new long[n];
                for (int i = 0; i < n; i++) {
                    values[i] = raw == null ? tensor.getUint64Data(i)
                            : type == ElementType.UINT64 ? raw.getLong() : raw.getInt() & 0xFFFFFFFFL;
                }
                return ofInts(type, dims, values);
            }
            case FLOAT -> {
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    values[i] = raw != null ? raw.getFloat() : tensor.getFloatData(i);
                }
                return new ConstValue(type, dims, null, values, null);
            }
            case DOUBLE -> {
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    values[i] = raw != null ? raw.getDouble() : tensor.getDoubleData(i);
                }
                return new ConstValue(type, dims, null, values, null);
            }
            case FLOAT16 -> {
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    values[i] = Float.float16ToFloat(raw != null ? raw.getShort() : (short) tensor.getInt32Data(i));
                }
                return new ConstValue(type, dims, null, values, null);
            }
            default -> {
                return null;
            }
        }
    }
}
