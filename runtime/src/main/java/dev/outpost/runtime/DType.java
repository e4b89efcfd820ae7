package dev.outpost.runtime;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Element type of a tensor, with its names in ONNX and in the Open Inference Protocol.
 *
 * <p>Immutable and thread-safe.
 */
public enum DType {
    FLOAT32(4, 1, "float", "FP32"),
    FLOAT16(2, 10, "float16", "FP16"),
    BFLOAT16(2, 16, "bfloat16", "BF16"),
    FLOAT64(8, 11, "double", "FP64"),
    INT8(1, 3, "int8", "INT8"),
    UINT8(1, 2, "uint8", "UINT8"),
    INT16(2, 5, "int16", "INT16"),
    UINT16(2, 4, "uint16", "UINT16"),
    INT32(4, 6, "int32", "INT32"),
    UINT32(4, 12, "uint32", "UINT32"),
    INT64(8, 7, "int64", "INT64"),
    UINT64(8, 13, "uint64", "UINT64"),
    BOOL(1, 9, "bool", "BOOL"),
    /** Variable-length UTF-8 strings; {@link #byteSize()} is 0 because elements have no fixed size. */
    STRING(0, 8, "string", "BYTES");

    private final int byteSize;
    private final int onnxCode;
    private final String onnxName;
    private final String oipName;

    DType(int byteSize, int onnxCode, String onnxName, String oipName) {
        this.byteSize = byteSize;
        this.onnxCode = onnxCode;
        this.onnxName = onnxName;
        this.oipName = oipName;
    }

    /** Bytes per element; 0 for {@link #STRING}. */
    public int byteSize() {
        return byteSize;
    }

    /** The {@code TensorProto.DataType} number of this type in the ONNX IR. */
    public int onnxCode() {
        return onnxCode;
    }

    /** The ONNX name ({@code float}, {@code uint8}, ...), as used in {@code tensor(float)}. */
    public String onnxName() {
        return onnxName;
    }

    /** The Open Inference Protocol datatype name ({@code FP32}, {@code UINT8}, {@code BYTES}, ...). */
    public String oipName() {
        return oipName;
    }

    /** True for the floating-point types. */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT16 || this == BFLOAT16 || this == FLOAT64;
    }

    /** The type with the given ONNX {@code TensorProto.DataType} number, if Outpost supports it. */
    public static Optional<DType> fromOnnxCode(int code) {
        return Arrays.stream(values()).filter(t -> t.onnxCode == code).findFirst();
    }

    /**
     * Parses a type name as users write it: the enum name ({@code FLOAT32}), the ONNX name
     * ({@code float}) or the OIP name ({@code FP32}), in any case.
     *
     * @throws IllegalArgumentException naming the valid choices
     */
    public static DType parse(String name) {
        String wanted = name.trim().toUpperCase(Locale.ROOT);
        for (DType type : values()) {
            if (type.name().equals(wanted) || type.oipName.equals(wanted)
                    || type.onnxName.toUpperCase(Locale.ROOT).equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("Unknown element type '" + name + "'; expected one of "
                + Arrays.toString(values()) + " or their ONNX/OIP names (float, FP32, uint8, ...)");
    }
}
