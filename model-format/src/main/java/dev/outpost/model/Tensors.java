package dev.outpost.model;

import com.google.protobuf.ByteString;
import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.TensorProto;
import dev.outpost.model.proto.Onnx.TensorProtoOrBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Conversions between {@link TensorProto} and little-endian bytes / {@link TensorData}. Reads both
 * {@code raw_data} and the typed fields ({@code float_data}, {@code int32_data}, ...) as the ONNX IR
 * specification lays them out; always writes {@code raw_data}. Stateless and thread-safe.
 */
final class Tensors {

    private Tensors() {
    }

    static ElementType elementType(TensorProtoOrBuilder tensor) {
        return ElementType.fromCode(tensor.getDataType()).orElseThrow(() -> new ModelFormatException(
                Code.INVALID_MODEL, "Tensor '" + tensor.getName() + "' has element type " + tensor.getDataType()
                        + "; ONNX defines 1.." + (ElementType.values().length - 1)));
    }

    static long elementCount(TensorProtoOrBuilder tensor) {
        long count = 1;
        for (long dim : tensor.getDimsList()) {
            if (dim < 0) {
                throw new ModelFormatException(Code.INVALID_MODEL, "Tensor '" + tensor.getName()
                        + "' has negative dimension " + dim + " in " + tensor.getDimsList());
            }
            try {
                count = Math.multiplyExact(count, dim);
            } catch (ArithmeticException e) {
                throw new ModelFormatException(Code.INVALID_MODEL, "Tensor '" + tensor.getName() + "' has dims "
                        + tensor.getDimsList() + ", whose element count overflows a long", e);
            }
        }
        return count;
    }

    /** Bytes of {@code count} elements of the tensor's type, refusing counts whose size overflows a long. */
    private static long byteCount(TensorProtoOrBuilder tensor, ElementType type, long count) {
        try {
            return type.bytesFor(count);
        } catch (ArithmeticException e) {
            throw new ModelFormatException(Code.INVALID_MODEL, "Tensor '" + tensor.getName() + "' (" + type.onnxName()
                    + " " + tensor.getDimsList() + ") has " + count + " elements, whose size in bytes overflows a long", e);
        }
    }

    static boolean isExternal(TensorProtoOrBuilder tensor) {
        return tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    /** Size of the tensor's data in bytes as stored (raw or typed), without decoding it. */
    static long storedByteSize(TensorProtoOrBuilder tensor) {
        ElementType type = elementType(tensor);
        if (type == ElementType.STRING) {
            return tensor.getStringDataList().stream().mapToLong(ByteString::size).sum();
        }
        return byteCount(tensor, type, elementCount(tensor));
    }

    /** The tensor's data as little-endian bytes in ONNX raw layout. */
    static ByteString rawBytes(TensorProtoOrBuilder tensor) {
        ElementType type = elementType(tensor);
        String name = tensor.getName();
        if (isExternal(tensor)) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + name
                    + "' still refers to external data; read the model from its path to load it");
        }
        if (type == ElementType.STRING || type == ElementType.UNDEFINED) {
            throw new ModelFormatException(Code.INVALID_MODEL, "Tensor '" + name + "' has element type "
                    + type.onnxName() + "; expected a numeric type");
        }
        long count = elementCount(tensor);
        long expectedBytes = byteCount(tensor, type, count);
        if (tensor.hasRawData()) {
            ByteString raw = tensor.getRawData();
            if (raw.size() != expectedBytes) {
                throw new ModelFormatException(Code.INVALID_MODEL, "Tensor '" + name + "' (" + type.onnxName()
                        + " " + tensor.getDimsList() + ") needs " + expectedBytes + " bytes of raw_data, has "
                        + raw.size());
            }
            return raw;
        }
        // The typed field of each type, and how many values it needs: complex numbers take two, and the
        // 4-bit types pack two elements into each int32_data value.
        String field;
        int present;
        switch (type) {
            case FLOAT, COMPLEX64 -> {
                field = "float_data";
                present = tensor.getFloatDataCount();
            }
            case DOUBLE, COMPLEX128 -> {
                field = "double_data";
                present = tensor.getDoubleDataCount();
            }
            case INT64 -> {
                field = "int64_data";
                present = tensor.getInt64DataCount();
            }
            case UINT32, UINT64 -> {
                field = "uint64_data";
                present = tensor.getUint64DataCount();
            }
            default -> {
                field = "int32_data";
                present = tensor.getInt32DataCount();
            }
        }
        long needed = switch (type) {
            case COMPLEX64, COMPLEX128 -> 2 * count;
            case INT4, UINT4, FLOAT4E2M1 -> expectedBytes;
            default -> count;
        };
        if (present != needed) {
            throw new ModelFormatException(Code.INVALID_MODEL, "Tensor '" + name + "' (" + type.onnxName() + " "
                    + tensor.getDimsList() + ") needs " + needed + " values in " + field + ", has " + present);
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(expectedBytes)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT, COMPLEX64 -> tensor.getFloatDataList().forEach(out::putFloat);
            case DOUBLE, COMPLEX128 -> tensor.getDoubleDataList().forEach(out::putDouble);
            case INT64 -> tensor.getInt64DataList().forEach(out::putLong);
            case UINT64 -> tensor.getUint64DataList().forEach(out::putLong);
            case UINT32 -> tensor.getUint64DataList().forEach(v -> out.putInt((int) (long) v));
            case INT32 -> tensor.getInt32DataList().forEach(out::putInt);
            case INT16, UINT16, FLOAT16, BFLOAT16 -> tensor.getInt32DataList().forEach(v -> out.putShort((short) (int) v));
            default -> tensor.getInt32DataList().forEach(v -> out.put((byte) (int) v));
        }
        return ByteString.copyFrom(out.array());
    }

    static TensorData decode(TensorProtoOrBuilder tensor) {
        long[] dims = tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
        return TensorData.ofRaw(elementType(tensor), rawBytes(tensor).toByteArray(), dims);
    }

    /** Writes {@code data} into {@code tensor} as raw_data, clearing typed and external fields. */
    static void encode(TensorProto.Builder tensor, TensorData data) {
        tensor.clearDims().clearFloatData().clearInt32Data().clearInt64Data().clearDoubleData().clearUint64Data()
                .clearStringData().clearExternalData().clearDataLocation();
        for (long dim : data.dims()) {
            tensor.addDims(dim);
        }
        tensor.setDataType(data.elementType().code());
        tensor.setRawData(ByteString.copyFrom(data.bytes()));
    }

    static TensorProto toProto(String name, TensorData data) {
        TensorProto.Builder tensor = TensorProto.newBuilder().setName(name);
        encode(tensor, data);
        return tensor.build();
    }
}
