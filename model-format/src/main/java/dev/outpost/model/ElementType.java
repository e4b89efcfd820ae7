package dev.outpost.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Element type of an ONNX tensor ({@code TensorProto.DataType}), with its size in bits.
 *
 * <p>Immutable and thread-safe.
 */
public enum ElementType {
    UNDEFINED(0, 0, "undefined"),
    FLOAT(1, 32, "float"),
    UINT8(2, 8, "uint8"),
    INT8(3, 8, "int8"),
    UINT16(4, 16, "uint16"),
    INT16(5, 16, "int16"),
    INT32(6, 32, "int32"),
    INT64(7, 64, "int64"),
    /** Variable-length strings: {@link #bits()} is 0. */
    STRING(8, 0, "string"),
    BOOL(9, 8, "bool"),
    FLOAT16(10, 16, "float16"),
    DOUBLE(11, 64, "double"),
    UINT32(12, 32, "uint32"),
    UINT64(13, 64, "uint64"),
    COMPLEX64(14, 64, "complex64"),
    COMPLEX128(15, 128, "complex128"),
    BFLOAT16(16, 16, "bfloat16"),
    FLOAT8E4M3FN(17, 8, "float8e4m3fn"),
    FLOAT8E4M3FNUZ(18, 8, "float8e4m3fnuz"),
    FLOAT8E5M2(19, 8, "float8e5m2"),
    FLOAT8E5M2FNUZ(20, 8, "float8e5m2fnuz"),
    UINT4(21, 4, "uint4"),
    INT4(22, 4, "int4"),
    FLOAT4E2M1(23, 4, "float4e2m1"),
    FLOAT8E8M0(24, 8, "float8e8m0");

    private final int code;
    private final int bits;
    private final String onnxName;

    ElementType(int code, int bits, String onnxName) {
        this.code = code;
        this.bits = bits;
        this.onnxName = onnxName;
    }

    /** The {@code TensorProto.DataType} number. */
    public int code() {
        return code;
    }

    /** Bits per element; 0 for {@link #STRING} and {@link #UNDEFINED}. */
    public int bits() {
        return bits;
    }

    /**
     * Bytes needed for {@code count} packed elements (4-bit types pack two per byte).
     *
     * @throws ArithmeticException when the number of bits overflows a long
     */
    public long bytesFor(long count) {
        return (Math.multiplyExact(count, bits) + 7) / 8;
    }

    /** The ONNX spelling, as in {@code tensor(float)}. */
    public String onnxName() {
        return onnxName;
    }

    /** True for the floating-point types, including the 8- and 4-bit float formats. */
    public boolean isFloat() {
        return switch (this) {
            case FLOAT, FLOAT16, DOUBLE, BFLOAT16, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2,
                    FLOAT8E5M2FNUZ, FLOAT4E2M1, FLOAT8E8M0 -> true;
            default -> false;
        };
    }

    /** True for the 4- and 8-bit integer types that quantized models use. */
    public boolean isQuantizedInteger() {
        return this == INT8 || this == UINT8 || this == INT4 || this == UINT4 || this == INT16 || this == UINT16;
    }

    /** True for the types ONNX allows as map keys: string and the integral types. */
    boolean isMapKey() {
        return switch (this) {
            case STRING, INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64 -> true;
            default -> false;
        };
    }

    /** The type with this {@code TensorProto.DataType} number, if it is one ONNX defines. */
    public static Optional<ElementType> fromCode(int code) {
        return Arrays.stream(values()).filter(t -> t.code == code).findFirst();
    }

    /**
     * The type with this number.
     *
     * @throws ModelFormatException naming the valid range when the number is not an ONNX type
     */
    public static ElementType ofCode(int code) {
        return fromCode(code).orElseThrow(() -> new ModelFormatException(ModelFormatException.Code.INVALID_MODEL,
                "Unknown tensor element type " + code + "; ONNX defines 1.." + (values().length - 1)));
    }

    /** Parses the ONNX spelling ({@code float}) or the enum name ({@code FLOAT}), in any case. */
    public static ElementType parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (ElementType type : values()) {
            if (type.onnxName.equals(wanted) || type.name().toLowerCase(Locale.ROOT).equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("Unknown element type '" + name + "'; expected one of "
                + Arrays.stream(values()).map(ElementType::onnxName).toList());
    }
}
