package dev.outpost.serving;

import com.google.protobuf.ByteString;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import dev.outpost.serving.proto.GrpcService.InferParameter;
import dev.outpost.serving.proto.GrpcService.InferTensorContents;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates between the KServe v2 gRPC messages and the transport-independent
 * {@link InferenceRequest} / {@link InferenceResponse}: inputs as {@code raw_input_contents}
 * (little-endian, BYTES as 4-byte length + bytes) or typed {@code contents}; outputs always as
 * {@code raw_output_contents}, as Triton answers. Every client mistake is an INVALID_REQUEST naming
 * the input, what was expected and what was received. Stateless.
 */
final class GrpcCodec {

    private GrpcCodec() {
    }

    /**
     * Builds the request; the caller owns (closes) the input tensors of the result.
     *
     * @throws ServingException INVALID_REQUEST when the message is malformed
     */
    static InferenceRequest decode(ModelInferRequest message) {
        int raw = message.getRawInputContentsCount();
        if (raw > 0 && raw != message.getInputsCount()) {
            throw invalid("raw_input_contents has " + raw + " entries but the request has " + message.getInputsCount()
                    + " inputs; send one entry per input, in input order");
        }
        List<NamedTensor> inputs = new ArrayList<>();
        try {
            for (int i = 0; i < message.getInputsCount(); i++) {
                ModelInferRequest.InferInputTensor input = message.getInputs(i);
                String where = "Input '" + input.getName() + "'";
                if (input.getName().isBlank()) {
                    throw invalid("Input " + i + " has no name");
                }
                DType type = RawTensors.datatype(input.getDatatype(), where);
                long[] shape = shape(input.getShapeList(), where);
                long count = elementCount(shape, where);
                Tensor tensor;
                if (raw > 0) {
                    if (input.hasContents()) {
                        throw invalid(where + " has typed contents while the request uses raw_input_contents; send one");
                    }
                    tensor = fromRaw(message.getRawInputContents(i), type, shape, count, where);
                } else if (input.hasContents()) {
                    tensor = fromContents(input.getContents(), type, shape, count, where);
                } else {
                    throw invalid(where + " has neither contents nor an entry in raw_input_contents");
                }
                inputs.add(new NamedTensor(input.getName(), tensor));
            }
            List<String> outputs = message.getOutputsList().stream()
                    .map(ModelInferRequest.InferRequestedOutputTensor::getName).toList();
            return new InferenceRequest(message.getId(), message.getModelName(), message.getModelVersion(), inputs,
                    outputs, parameters(message.getParametersMap()));
        } catch (RuntimeException e) {
            inputs.forEach(input -> input.tensor().close());
            throw e;
        }
    }

    /** Closes the request's input tensors (they were built by {@link #decode}). */
    static void release(InferenceRequest request) {
        request.inputs().forEach(input -> input.tensor().close());
    }

    /** The response message: every output's name, datatype and shape, with its data in raw_output_contents. */
    static ModelInferResponse encode(InferenceResponse response) {
        ModelInferResponse.Builder builder = ModelInferResponse.newBuilder()
                .setModelName(response.model())
                .setModelVersion(response.version())
                .setId(response.id());
        for (NamedTensor output : response.outputs()) {
            ModelInferResponse.InferOutputTensor.Builder tensor = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(output.name())
                    .setDatatype(output.datatype());
            for (long dim : output.shape()) {
                tensor.addShape(dim);
            }
            builder.addOutputs(tensor);
            builder.addRawOutputContents(ByteString.copyFrom(RawTensors.rawView(output.tensor())));
        }
        return builder.build();
    }

    private static long[] shape(List<Long> dims, String where) {
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (dims.get(i) < 0) {
                throw invalid(where + " has shape " + dims + "; every dimension must be >= 0");
            }
            shape[i] = dims.get(i);
        }
        return shape;
    }

    private static long elementCount(long[] shape, String where) {
        long count = 1;
        for (long dim : shape) {
            if (dim != 0 && count > Integer.MAX_VALUE / dim) {
                throw invalid(where + " has shape " + Arrays.toString(shape) + ", more elements than one tensor can hold");
            }
            count *= dim;
        }
        return count;
    }

    private static Tensor fromRaw(ByteString bytes, DType type, long[] shape, long count, String where) {
        return RawTensors.decode(bytes.asReadOnlyByteBuffer(), type, shape, count, where, "raw contents",
                "has " + bytes.size() + " bytes of raw contents");
    }

    private static Tensor fromContents(InferTensorContents contents, DType type, long[] shape, long count, String where) {
        int size = (int) count;
        return switch (type) {
            case BOOL -> {
                checkCount(contents.getBoolContentsCount(), count, "bool_contents", type, shape, where);
                byte[] values = new byte[size];
                for (int i = 0; i < size; i++) {
                    values[i] = (byte) (contents.getBoolContents(i) ? 1 : 0);
                }
                yield Tensor.of(type, values, shape);
            }
            case INT8, INT16, INT32 -> {
                checkCount(contents.getIntContentsCount(), count, "int_contents", type, shape, where);
                yield integers(type, shape, where, size, i -> contents.getIntContents(i));
            }
            case UINT8, UINT16, UINT32 -> {
                checkCount(contents.getUintContentsCount(), count, "uint_contents", type, shape, where);
                yield integers(type, shape, where, size, i -> Integer.toUnsignedLong(contents.getUintContents(i)));
            }
            case INT64 -> {
                checkCount(contents.getInt64ContentsCount(), count, "int64_contents", type, shape, where);
                yield integers(type, shape, where, size, contents::getInt64Contents);
            }
            case UINT64 -> {
                checkCount(contents.getUint64ContentsCount(), count, "uint64_contents", type, shape, where);
                yield integers(type, shape, where, size, contents::getUint64Contents);
            }
            case FLOAT32 -> {
                checkCount(contents.getFp32ContentsCount(), count, "fp32_contents", type, shape, where);
                float[] values = new float[size];
                for (int i = 0; i < size; i++) {
                    values[i] = contents.getFp32Contents(i);
                }
                yield Tensor.of(values, shape);
            }
            case FLOAT64 -> {
                checkCount(contents.getFp64ContentsCount(), count, "fp64_contents", type, shape, where);
                double[] values = new double[size];
                for (int i = 0; i < size; i++) {
                    values[i] = contents.getFp64Contents(i);
                }
                yield Tensor.of(values, shape);
            }
            case STRING -> {
                checkCount(contents.getBytesContentsCount(), count, "bytes_contents", type, shape, where);
                String[] values = new String[size];
                for (int i = 0; i < size; i++) {
                    values[i] = RawTensors.utf8(contents.getBytesContents(i).asReadOnlyByteBuffer(), where, i);
                }
                yield Tensor.ofStrings(values, shape);
            }
            default -> throw invalid(where + " is " + type.oipName() + ", which has no typed contents field; send it"
                    + " in raw_input_contents");
        };
    }

    private interface LongAt {
        long at(int index);
    }

    /** Integer elements, range-checked for the type, written little-endian into a direct buffer. */
    private static Tensor integers(DType type, long[] shape, String where, int size, LongAt values) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < size; i++) {
            long value = values.at(i);
            switch (type) {
                case INT8 -> buffer.put((byte) inRange(value, Byte.MIN_VALUE, Byte.MAX_VALUE, i, type, where));
                case UINT8 -> buffer.put((byte) inRange(value, 0, 255, i, type, where));
                case INT16 -> buffer.putShort((short) inRange(value, Short.MIN_VALUE, Short.MAX_VALUE, i, type, where));
                case UINT16 -> buffer.putShort((short) inRange(value, 0, 65535, i, type, where));
                case INT32, UINT32 -> buffer.putInt((int) value);
                default -> buffer.putLong(value);
            }
        }
        buffer.flip();
        return Tensor.wrap(buffer.order(ByteOrder.nativeOrder()), type, shape);
    }

    private static long inRange(long value, long min, long max, int index, DType type, String where) {
        if (value < min || value > max) {
            throw invalid(where + " element " + index + " is " + value + "; " + type.oipName() + " holds "
                    + min + ".." + max);
        }
        return value;
    }

    private static void checkCount(int received, long expected, String field, DType type, long[] shape, String where) {
        if (received != expected) {
            throw invalid(where + " has " + received + " values in contents." + field + "; " + type.oipName()
                    + Arrays.toString(shape) + " needs " + expected);
        }
    }

    private static Map<String, Object> parameters(Map<String, InferParameter> parameters) {
        Map<String, Object> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> {
            Object value = switch (parameter.getParameterChoiceCase()) {
                case BOOL_PARAM -> parameter.getBoolParam();
                case INT64_PARAM -> parameter.getInt64Param();
                case STRING_PARAM -> parameter.getStringParam();
                case DOUBLE_PARAM -> parameter.getDoubleParam();
                case UINT64_PARAM -> parameter.getUint64Param() >= 0 ? (Object) parameter.getUint64Param()
                        : (Object) Double.parseDouble(Long.toUnsignedString(parameter.getUint64Param()));
                case PARAMETERCHOICE_NOT_SET -> throw invalid("Parameter '" + name + "' has no value");
            };
            values.put(name, value);
        });
        return values;
    }

    private static ServingException invalid(String message) {
        return new ServingException(ServingException.Code.INVALID_REQUEST, message);
    }
}
