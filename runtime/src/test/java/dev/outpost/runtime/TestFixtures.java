package dev.outpost.runtime;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helpers: the shared models folder and zero-filled inputs for a session. */
final class TestFixtures {

    private TestFixtures() {
    }

    /** The shared models folder; skips the test when it is absent. */
    static Path modelsDir() {
        Path dir = Path.of(System.getProperty("outpost.models", "../shared/models"));
        assumeTrue(Files.isDirectory(dir), "no models folder at " + dir + "; set -Doutpost.models");
        return dir;
    }

    /** One shared model file; skips the test when it is absent. */
    static Path model(String fileName) {
        Path file = modelsDir().resolve(fileName);
        assumeTrue(Files.isRegularFile(file), "no model " + file);
        return file;
    }

    /** A data set folder under the shared data folder; skips the test when it is absent. */
    static Path dataSet(String name) {
        Path dir = Path.of(System.getProperty("outpost.data", "../shared/data"));
        assumeTrue(Files.isDirectory(dir), "no data folder at " + dir + "; set -Doutpost.data");
        Path set = dir.resolve(name);
        assumeTrue(Files.isDirectory(set), "no data set " + set);
        return set;
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
