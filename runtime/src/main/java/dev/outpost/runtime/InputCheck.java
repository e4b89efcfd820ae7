package dev.outpost.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Package-private: checks a run's inputs against the model before any native code runs, so that
 * every mistake gets a message naming the input, what was given and what the model expects.
 * Stateless.
 */
final class InputCheck {

    private InputCheck() {
    }

    /**
     * @throws InferenceException UNKNOWN_INPUT, MISSING_INPUT, WRONG_TYPE, WRONG_SHAPE or INVALID_ARGUMENT
     */
    static void check(String model, Map<String, Tensor> given, Map<String, TensorSpec> expected,
                      Map<String, String> otherInputs) {
        for (String name : given.keySet()) {
            if (!expected.containsKey(name)) {
                if (otherInputs.containsKey(name)) {
                    throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Input '" + name
                            + "' of model " + model + " is a " + otherInputs.get(name)
                            + "; the runtime feeds tensors only");
                }
                throw new InferenceException(InferenceException.Code.UNKNOWN_INPUT, "Unknown input '" + name
                        + "' for model " + model + "; its inputs are " + describe(expected, otherInputs));
            }
        }
        List<String> missing = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!given.containsKey(name)) {
                missing.add(name);
            }
        }
        missing.addAll(otherInputs.keySet());
        if (!missing.isEmpty()) {
            throw new InferenceException(InferenceException.Code.MISSING_INPUT, "Missing input"
                    + (missing.size() > 1 ? "s " : " ") + quoted(missing) + " for model " + model
                    + "; it expects " + describe(expected, otherInputs) + " and got " + quoted(given.keySet()));
        }
        for (var entry : given.entrySet()) {
            checkOne(model, entry.getKey(), entry.getValue(), expected.get(entry.getKey()));
        }
    }

    private static void checkOne(String model, String name, Tensor tensor, TensorSpec spec) {
        if (tensor == null) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Input '" + name + "' is null");
        }
        if (tensor.isClosed()) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Input '" + name
                    + "' is a closed tensor; its data is gone");
        }
        if (tensor.type() != spec.type()) {
            throw new InferenceException(InferenceException.Code.WRONG_TYPE, "Input '" + name + "' has element type "
                    + tensor.type().onnxName() + "; model " + model + " expects " + spec.type().onnxName()
                    + " (" + spec + ")");
        }
        long[] shape = tensor.shape();
        if (!spec.accepts(tensor.type(), shape)) {
            throw new InferenceException(InferenceException.Code.WRONG_SHAPE, "Input '" + name + "' has shape "
                    + Arrays.toString(shape).replace(" ", "") + "; model " + model + " expects "
                    + spec.shapeString());
        }
        if (spec.type() != DType.STRING && OrtTypes.javaTypeOf(spec.type()).isEmpty()) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Input '" + name + "' is "
                    + spec.type().onnxName() + ", which ONNX Runtime's Java API cannot create; model " + model
                    + " cannot be fed from Java");
        }
    }

    private static String describe(Map<String, TensorSpec> expected, Map<String, String> otherInputs) {
        List<String> all = new ArrayList<>();
        expected.values().forEach(spec -> all.add(spec.toString()));
        otherInputs.forEach((name, type) -> all.add(name + " " + type));
        return all.toString();
    }

    private static String quoted(Iterable<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(name -> out.add("'" + name + "'"));
        return out.toString();
    }
}
