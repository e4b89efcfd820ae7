package dev.outpost.model;

import dev.outpost.model.proto.Onnx;
import java.util.Map;

/**
 * An outside source of tensor types and shapes for the tensors that Outpost's own rules cannot resolve,
 * typically ONNX Runtime, which model-format may not depend on.
 *
 * <p>The caller turns a model into {@link #augmentedModel(byte[])}: a copy in which every unresolved
 * intermediate tensor is also a graph output with no declared type. An implementation loads those bytes
 * (for ONNX Runtime: creates a session and reads {@code session.getOutputInfo()}) and reports what it
 * learned. Symbolic dimensions it cannot name may be reported as {@link Shape.Dim#unknown()}.
 *
 * <p>Implementations decide their own thread-safety; inference calls {@link #discover} at most once per
 * inference, from the calling thread.
 */
@FunctionalInterface
public interface ShapeOracle {

    /**
     * Types and shapes of the tensors this oracle could determine in the given model.
     *
     * @param augmentedModel the bytes of an ONNX model whose extra graph outputs are the tensors wanted
     * @return tensor name to type and shape; tensors it could not determine are left out
     */
    Map<String, TypeAndShape> discover(byte[] augmentedModel);

    /**
     * A copy of the model in which every intermediate tensor that Outpost's rules leave unresolved is
     * added as an untyped graph output, ready for {@link #discover}.
     *
     * @param modelBytes the bytes of an ONNX model
     * @return the serialized copy; equal in content to the input when nothing is unresolved
     * @throws ModelFormatException {@code NOT_ONNX} when the bytes are not a model, {@code SHAPE_MISMATCH}
     *     when the model's shapes contradict each other
     */
    static byte[] augmentedModel(byte[] modelBytes) {
        Onnx.ModelProto model = ShapeInference.parse(modelBytes);
        InferredTypes types = ShapeInference.infer(model);
        return ShapeInference.withExtraOutputs(model, types.unresolved().keySet()).toByteArray();
    }
}
