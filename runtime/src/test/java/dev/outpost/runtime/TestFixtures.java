package dev.outpost.runtime;

import dev.outpost.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runtime test helpers: shared models and data (through {@link SharedFixtures}) and zero-filled inputs. */
final class TestFixtures {

    private TestFixtures() {
    }

    /** The shared models folder (see {@link SharedFixtures}); skips the test when it is absent. */
    static Path modelsDir() {
        return SharedFixtures.model(".").normalize();
    }

    /** One shared model file; skips the test when it is absent. */
    static Path model(String fileName) {
        return SharedFixtures.model(fileName);
    }

    /** A data set folder under the shared data folder; skips the test when it is absent. */
    static Path dataSet(String name) {
        return SharedFixtures.data(name);
    }

    /** Zero-filled inputs of every input's declared shape, dynamic dimensions set to 1. Caller closes them. */
    static Map<String, Tensor> zeroInputs(ModelSession session) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : session.inputs()) {
            long[] shape = spec.shapeArray();
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shape[i] < 0 ? 1 : shape[i];
            }
            inputs.put(spec.name(), Tensor.allocate(spec.type(), shape));
        }
        return inputs;
    }

    static void closeAll(Map<String, Tensor> tensors) {
        tensors.values().forEach(Tensor::close);
    }
}
