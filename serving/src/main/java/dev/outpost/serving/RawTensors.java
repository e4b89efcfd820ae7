package dev.outpost.serving;

import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Open Inference Protocol's raw tensor layout, shared by REST's binary data extension and gRPC's
 * {@code raw_input_contents} / {@code raw_output_contents}: little-endian, row-major, no padding; BYTES
 * elements each as a 4-byte little-endian length followed by the bytes. Also the OIP datatype names.
 */
final class RawTensors {

    /** The OIP datatypes this server accepts, in the protocol's order. */
    static final List<String> DATATYPES = List.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8",
            "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES");

    private RawTensors() {
    }

    /** The element type of an OIP datatype name; INVALID_REQUEST naming {@code where} and the valid names. */
    static DType datatype(String name, String where) {
        if (DATATYPES.contains(name)) {
            for (DType type : DType.values()) {
                if (type.oipName().equals(name)) {
                    return type;
                }
            }
        }
        throw invalid(where + " has datatype '" + name + "'; expected one of " + DATATYPES);
    }

    /** A tensor's data in the raw layout. */
    /**
     * The raw little-endian bytes of a tensor without copying a numeric one: a read-only view of its
     * buffer (valid while the tensor is open), or for strings their length-prefixed encoding.
     */
    static ByteBuffer rawView(Tensor tensor) {
        if (tensor.type() == DType.STRING) {
            return ByteBuffer.wrap(encode(tensor)).asReadOnlyBuffer();
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN && tensor.type().byteSize() > 1) {
            throw new IllegalStateException("Raw tensor data is little-endian; this platform is big-endian");
        }
        return tensor.buffer().asReadOnlyBuffer();
    }

    static byte[] encode(Tensor tensor) {
        if (tensor.type() == DType.STRING) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (String value : tensor.strings()) {
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length).array());
                out.writeBytes(bytes);
            }
            return out.toByteArray();
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN && tensor.type().byteSize() > 1) {
            throw new IllegalStateException("Raw tensor data is little-endian; this platform is big-endian");
        }
        ByteBuffer data = tensor.buffer();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return bytes;
    }

    /**
     * A tensor from the raw bytes between {@code data}'s position and limit.
     *
     * @param where the input, as messages name it ({@code Input 'x'})
     * @param dataName what the bytes are called in the protocol ({@code binary data}, {@code raw contents})
     * @param sizeClause how the request stated their size, after {@code where} ({@code has binary_data_size 12})
     * @throws ServingException INVALID_REQUEST when the bytes do not hold exactly {@code count} elements
     */
    /**
     * A BYTES element as the text ONNX Runtime's string tensors hold: strict UTF-8, because replacing
     * what is not UTF-8 would change the client's data without a word.
     *
     * @throws ServingException INVALID_REQUEST naming the element when its bytes are not UTF-8
     */
    static String utf8(ByteBuffer element, String where, int index) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(element).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw invalid(where + " (BYTES) element " + index + " is not valid UTF-8 text; ONNX Runtime's string"
                    + " tensors hold text, so other bytes (an encoded image, say) go in a UINT8 tensor");
        }
    }

    static Tensor decode(ByteBuffer data, DType type, long[] shape, long count, String where, String dataName,
            String sizeClause) {
        if (type == DType.STRING) {
            ByteBuffer in = data.slice().order(ByteOrder.LITTLE_ENDIAN);
            // Sized by the bytes, not the shape: every element takes at least 4, and a few bytes must not
            // claim (and allocate) a billion elements.
            List<String> strings = new ArrayList<>((int) Math.min(count, in.remaining() / 4));
            for (int i = 0; i < count; i++) {
                if (in.remaining() < 4) {
                    throw invalid(where + " (BYTES) " + dataName + " ends after " + i + " of " + count
                            + " elements; each element is a 4-byte little-endian length and the bytes");
                }
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) {
                    throw invalid(where + " (BYTES) element " + i + " claims " + Integer.toUnsignedString(length)
                            + " bytes; only " + in.remaining() + " are left");
                }
                ByteBuffer element = in.slice(in.position(), length);
                in.position(in.position() + length);
                strings.add(utf8(element, where, i));
            }
            if (in.hasRemaining()) {
                throw invalid(where + " (BYTES) " + sizeClause + ": " + in.remaining() + " bytes are left after its "
                        + count + " elements");
            }
            return Tensor.ofStrings(strings.toArray(String[]::new), shape);
        }
        long expected = count * type.byteSize();
        if (data.remaining() != expected) {
            throw invalid(where + " " + sizeClause + "; " + type.oipName() + Arrays.toString(shape) + " needs "
                    + expected + " bytes");
        }
        return TensorBuffers.copyOf(data, type, shape);
    }

    private static ServingException invalid(String message) {
        return new ServingException(ServingException.Code.INVALID_REQUEST, message);
    }
}
