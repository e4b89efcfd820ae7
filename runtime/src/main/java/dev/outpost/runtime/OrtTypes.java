package dev.outpost.runtime;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Package-private translation between ONNX Runtime's Java types and the runtime's own: element types,
 * tensor specs and exceptions. Stateless.
 */
final class OrtTypes {

    private OrtTypes() {
    }

    /** Our element type for an ORT tensor element type, if Outpost supports it. */
    static Optional<DType> dtypeOf(TensorInfo.OnnxTensorType type) {
        return switch (type) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> Optional.of(DType.FLOAT32);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> Optional.of(DType.FLOAT16);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> Optional.of(DType.BFLOAT16);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> Optional.of(DType.FLOAT64);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> Optional.of(DType.INT8);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> Optional.of(DType.UINT8);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> Optional.of(DType.INT16);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> Optional.of(DType.UINT16);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> Optional.of(DType.INT32);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> Optional.of(DType.UINT32);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> Optional.of(DType.INT64);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> Optional.of(DType.UINT64);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> Optional.of(DType.BOOL);
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> Optional.of(DType.STRING);
            default -> Optional.empty();
        };
    }

    /**
     * The ORT Java type that creates a tensor of {@code type} from a byte buffer, or empty where ORT's
     * Java API cannot create one (UINT16, UINT32, UINT64; STRING goes through {@code String[]}).
     */
    static Optional<OnnxJavaType> javaTypeOf(DType type) {
        return switch (type) {
            case FLOAT32 -> Optional.of(OnnxJavaType.FLOAT);
            case FLOAT64 -> Optional.of(OnnxJavaType.DOUBLE);
            case FLOAT16 -> Optional.of(OnnxJavaType.FLOAT16);
            case BFLOAT16 -> Optional.of(OnnxJavaType.BFLOAT16);
            case INT8 -> Optional.of(OnnxJavaType.INT8);
            case UINT8 -> Optional.of(OnnxJavaType.UINT8);
            case INT16 -> Optional.of(OnnxJavaType.INT16);
            case INT32 -> Optional.of(OnnxJavaType.INT32);
            case INT64 -> Optional.of(OnnxJavaType.INT64);
            case BOOL -> Optional.of(OnnxJavaType.BOOL);
            case UINT16, UINT32, UINT64, STRING -> Optional.empty();
        };
    }

    /** The spec of a tensor node, or empty when the node is not a tensor of a supported element type. */
    static Optional<TensorSpec> specOf(NodeInfo node) {
        if (!(node.getInfo() instanceof TensorInfo info)) {
            return Optional.empty();
        }
        return dtypeOf(info.onnxType).map(type -> {
            long[] shape = info.getShape();
            String[] names = info.getDimensionNames();
            List<Long> dims = new ArrayList<>(shape.length);
            List<String> symbols = new ArrayList<>(shape.length);
            for (int i = 0; i < shape.length; i++) {
                dims.add(shape[i] < 0 ? -1L : shape[i]);
                String symbol = names != null && i < names.length && names[i] != null ? names[i] : "";
                symbols.add(shape[i] < 0 ? symbol : "");
            }
            return new TensorSpec(node.getName(), type, dims, symbols);
        });
    }

    /** The ONNX type of any value, as people read it: {@code sequence<map<string,float>>}, {@code tensor(complex64)[2]}. */
    static String describe(ValueInfo info) {
        if (info instanceof TensorInfo tensor) {
            String element = tensor.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "").toLowerCase(Locale.ROOT);
            return "tensor(" + element + ")" + java.util.Arrays.toString(tensor.getShape()).replace(" ", "");
        }
        if (info instanceof SequenceInfo sequence) {
            return sequence.isSequenceOfMaps()
                    ? "sequence<" + describeMap(sequence.mapInfo) + ">"
                    : "sequence<tensor(" + sequence.sequenceType.name().toLowerCase(Locale.ROOT) + ")>";
        }
        if (info instanceof MapInfo map) {
            return describeMap(map);
        }
        return info.getClass().getSimpleName();
    }

    private static String describeMap(MapInfo map) {
        return "map<" + map.keyType.name().toLowerCase(Locale.ROOT) + "," + map.valueType.name().toLowerCase(Locale.ROOT) + ">";
    }

    /** Converts a failure to create a session into the runtime's exception. */
    static InferenceException loadFailure(OrtException error, String model) {
        String message = error.getMessage();
        InferenceException.Code code = switch (error.getCode()) {
            case ORT_NO_SUCHFILE -> InferenceException.Code.MODEL_NOT_FOUND;
            case ORT_NOT_IMPLEMENTED -> InferenceException.Code.UNSUPPORTED_OPERATOR;
            case ORT_EP_FAIL -> InferenceException.Code.PROVIDER_UNAVAILABLE;
            default -> message != null && message.contains("is not a registered function/op")
                    ? InferenceException.Code.UNSUPPORTED_OPERATOR
                    : InferenceException.Code.INVALID_MODEL;
        };
        String what = switch (code) {
            case MODEL_NOT_FOUND -> "Model " + model + " was not found";
            case UNSUPPORTED_OPERATOR -> "Model " + model + " uses an operator (or an operator/type pair) that"
                    + " this ONNX Runtime build does not implement";
            case PROVIDER_UNAVAILABLE -> "An execution provider failed while loading model " + model;
            default -> "Model " + model + " could not be loaded (not a valid ONNX model, or corrupt)";
        };
        return new InferenceException(code, what + ": " + stripPrefix(message), error);
    }

    /** Converts a failure while running a session into the runtime's exception. */
    static InferenceException runFailure(OrtException error, String model) {
        return new InferenceException(InferenceException.Code.BACKEND_FAILURE,
                "ONNX Runtime failed running model " + model + ": " + stripPrefix(error.getMessage()), error);
    }

    /** Drops ORT's "Error code - ORT_FAIL - message: " prefix, which our code already says. */
    static String stripPrefix(String message) {
        if (message == null) {
            return "(no message)";
        }
        int at = message.indexOf("message: ");
        return message.startsWith("Error code") && at >= 0 ? message.substring(at + "message: ".length()) : message;
    }
}
