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
            count = Math.multiplyExact(count, dim);
        }
        return count;
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
        return type.bytesFor(elementCount(tensor));
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
        long expectedBytes = type.bytesFor(count);
        if (tensor.hasRawData()) {
            ByteString raw = tensor.getRawData();
            if (raw.size() != expectedBytes) {
                throw new ModelFormatException(Code.INVALID_MODEL, "Tensor '" + name + "' (" + type.onnxName()
                        + " " + tensor.getDimsList() + ") needs " + expectedBytes + " bytes of raw_data, has "
                        + raw.size());
            }
            return raw;
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(expectedBytes)).order(ByteOrder.LITTLE_ENDIAN);
        int typedCount = switch (type) {
            case FLOAT -> tensor.getFloatDataCount();
            case DOUBLE -> tensor.getDoubleDataCount();
            case INT64 -> tensor.getInt64DataCount();
            case UINT32, UINT64 -> tensor.getUint64DataCount();
            case COMPLEX64 -> tensor.getFloatDataCount() / 2;
            case COMPLEX128 -> tensor.getDoubleDataCount() / 2;
            case INT4, UINT4, FLOAT4E2M1 -> tensor.getInt32DataCount() * 2;
            default -> tensor.getInt32DataCount();
        };
        if (typedCount < count || (typedCount > count + 1)) {
            throw new ModelFormatException(Code.INVALID_MODEL, "Tensor '" + name + "' (" + type.onnxName() + " "
                    + tensor.getDimsList() + ") needs " + count + " values, has " + typedCount);
        }
        switch (type) {
            case FLOAT, COMPLEX64 -> tensor.getFloatDataList().forEach(out::putFloat);
            case DOUBLE, COMPLEX128 -> tensor.getDoubleDataList().forEach(out::putDouble);
            case INT64 -> tensor.getInt64DataList().forEach(out::putLong);
            case UINT64 -> tensor.getUint64DataList().forEach(out::putLong);
            case UINT32 -> tensor.getUint64DataList().forEach(v -> out.putInt((int) (long) v));
            case INT32 -> tensor.getInt32DataList().forEach(out::putInt);
            case INT16, UINT16, FLOAT16, BFLOAT16 -> tensor.getInt32DataList().forEach(v -> out.putShort((short) (int) v));
            default -> tensor.getInt32DataList().forEach(v -> {
                if (out.hasRemaining()) {
                    out.put((byte) (int) v);
                }
            });
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
