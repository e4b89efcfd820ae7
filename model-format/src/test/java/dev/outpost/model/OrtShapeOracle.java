package dev.outpost.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ShapeOracle that the cli will provide, written here with real ONNX Runtime: loads the augmented
 * model and reads {@code session.getOutputInfo()}. Symbolic dimensions keep ORT's dimension name; a
 * dynamic dimension without a name is unknown. Test code only (model-format may not depend on ORT).
 */
final class OrtShapeOracle implements ShapeOracle {

    private int calls;

    @Override
    public Map<String, TypeAndShape> discover(byte[] augmentedModel) {
        calls++;
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = environment.createSession(augmentedModel, options)) {
                Map<String, TypeAndShape> found = new LinkedHashMap<>();
                for (Map.Entry<String, NodeInfo> output : session.getOutputInfo().entrySet()) {
                    if (output.getValue().getInfo() instanceof TensorInfo tensor) {
                        found.put(output.getKey(), toTypeAndShape(tensor));
                    }
                }
                return found;
            }
        } catch (OrtException e) {
            throw new ModelFormatException(ModelFormatException.Code.INVALID_MODEL,
                    "ONNX Runtime could not load the augmented model: " + e.getMessage(), e);
        }
    }

    /** How many times {@link #discover} ran. */
    int calls() {
        return calls;
    }

    static TypeAndShape toTypeAndShape(TensorInfo tensor) {
        // ORT's OnnxTensorType numbers differ from ONNX's; its names match ours after the prefix.
        ElementType type = ElementType.parse(tensor.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", ""));
        long[] dims = tensor.getShape();
        String[] names = tensor.getDimensionNames();
        List<Shape.Dim> shape = new ArrayList<>();
        for (int i = 0; i < dims.length; i++) {
            shape.add(dims[i] >= 0 ? Shape.Dim.of(dims[i])
                    : Shape.Dim.symbol(names != null && i < names.length ? names[i] : ""));
        }
        return new TypeAndShape(type, Shape.of(shape));
    }
}
