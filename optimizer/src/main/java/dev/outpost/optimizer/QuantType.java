package dev.outpost.optimizer;

import dev.outpost.model.ElementType;

/**
 * The 8-bit integer types a tensor can be quantized to, with their integer ranges
 * (REFERENCE-INFERENCE.md 2.2): normal, symmetric (the lowest value left out so that zero sits in the
 * middle) and reduced to 7 bits (for U8S8 kernels on x86 without VNNI, whose 16-bit intermediate sums
 * saturate otherwise).
 */
public enum QuantType {
    /** Unsigned 8-bit: [0, 255]. */
    UINT8(ElementType.UINT8, 0, 255),
    /** Signed 8-bit: [-128, 127]. */
    INT8(ElementType.INT8, -128, 127);

    private final ElementType elementType;
    private final int min;
    private final int max;

    QuantType(ElementType elementType, int min, int max) {
        this.elementType = elementType;
        this.min = min;
        this.max = max;
    }

    /** The ONNX element type of the quantized tensor. */
    public ElementType elementType() {
        return elementType;
    }

    /** The smallest integer used: 0 or -128 normally, -127 for symmetric int8, -64 reduced. */
    public int qmin(boolean symmetric, boolean reduceRange) {
        if (reduceRange) {
            return this == UINT8 ? 0 : -64;
        }
        return this == INT8 && symmetric ? -127 : min;
    }

    /** The largest integer used: 255 or 127 normally, 254 for symmetric uint8, 127 or 64 reduced. */
    public int qmax(boolean symmetric, boolean reduceRange) {
        if (reduceRange) {
            return this == UINT8 ? 127 : 64;
        }
        return this == UINT8 && symmetric ? 254 : max;
    }

    /** Parses {@code int8} / {@code uint8} (any case). */
    public static QuantType parse(String name) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "int8", "s8", "qint8" -> INT8;
            case "uint8", "u8", "quint8" -> UINT8;
            default -> throw new OptimizerException(OptimizerException.Code.INVALID_OPTION,
                    "Unknown 8-bit type '" + name + "'; expected int8 or uint8");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
