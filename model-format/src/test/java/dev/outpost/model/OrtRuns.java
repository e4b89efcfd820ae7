package dev.outpost.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.outpost.model.proto.Onnx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Runs a model in real ONNX Runtime on zero inputs to read the actual shapes of chosen tensors. Test code. */
final class OrtRuns {

    private OrtRuns() {
    }

    /**
     * Actual shapes of {@code tensors} when the model runs on all-zero inputs of the declared shapes, with
     * every symbolic input dimension set to {@code symbolValue}.
     */
    static Map<String, long[]> runtimeShapes(Onnx.ModelProto model, Iterable<String> tensors, long symbolValue) {
        Set<String> wanted = new LinkedHashSet<>();
        tensors.forEach(wanted::add);
        if (wanted.isEmpty()) {
            return Map.of();
        }
        byte[] bytes = ShapeInference.withExtraOutputs(model, wanted).toByteArray();
        Set<String> initializers = new java.util.HashSet<>();
        model.getGraph().getInitializerList().forEach(tensor -> initializers.add(tensor.getName()));
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = environment.createSession(bytes, options)) {
                for (Onnx.ValueInfoProto input : model.getGraph().getInputList()) {
                    if (!initializers.contains(input.getName())) {
                        inputs.put(input.getName(), zeros(environment, ShapeInference.declared(input), symbolValue));
                    }
                }
                try (OrtSession.Result result = session.run(inputs, wanted)) {
                    Map<String, long[]> shapes = new HashMap<>();
                    for (Map.Entry<String, OnnxValue> output : result) {
                        shapes.put(output.getKey(), ((OnnxTensor) output.getValue()).getInfo().getShape());
                    }
                    return shapes;
                }
            }
        } catch (OrtException e) {
            throw new ModelFormatException(ModelFormatException.Code.INVALID_MODEL,
                    "ONNX Runtime could not run the model: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor zeros(OrtEnvironment environment, TypeAndShape declared, long symbolValue)
            throws OrtException {
        long[] shape = declared.shape().dims().stream()
                .mapToLong(dim -> dim.isKnown() ? dim.value() : symbolValue).toArray();
        long count = 1;
        for (long dim : shape) {
            count *= dim;
        }
        OnnxJavaType javaType = switch (declared.elementType()) {
            case FLOAT -> OnnxJavaType.FLOAT;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT8 -> OnnxJavaType.INT8;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case DOUBLE -> OnnxJavaType.DOUBLE;
            default -> throw new ModelFormatException(ModelFormatException.Code.INVALID_MODEL,
                    "Test runner cannot feed inputs of type " + declared);
        };
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) declared.elementType().bytesFor(count))
                .order(ByteOrder.nativeOrder());
        return OnnxTensor.createTensor(environment, buffer, shape, javaType);
    }
}
