package dev.outpost.optimizer;

import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Model inputs to calibrate on, read one sample at a time so that memory does not grow with the
 * number of samples: calibration reads every sample twice (ranges, then histograms) and closes each
 * sample's tensors after use.
 *
 * <p>Implementations must return the same inputs for the same index every time.
 */
public interface CalibrationData {

    /** The number of samples. */
    int size();

    /**
     * The model inputs of one sample, by input name; the caller closes the tensors.
     *
     * @throws OptimizerException BAD_DATA when the sample cannot be read
     */
    Map<String, Tensor> sample(int index);

    /** A short description for reports and provenance ("120 images from DIR", "64 random samples"). */
    String description();

    /**
     * A stable digest of the data (file names and contents, or the seed), recorded in the optimized
     * model's provenance.
     */
    String digest();

    /**
     * Seeded random inputs that match the model's inputs (symbolic dimensions 1): floats uniform in
     * [0, 1), integers in [0, 10). Useful for measuring speed and for models without real data; ranges
     * calibrated on random data say nothing about accuracy.
     */
    static CalibrationData random(List<TensorSpec> inputs, int count, long seed) {
        return new CalibrationData() {
            @Override
            public int size() {
                return count;
            }

            @Override
            public Map<String, Tensor> sample(int index) {
                SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
                Map<String, Tensor> sample = new LinkedHashMap<>();
                for (TensorSpec input : inputs) {
                    long[] shape = input.shape().stream().mapToLong(d -> d < 0 ? 1 : d).toArray();
                    Tensor tensor = Tensor.allocate(input.type(), shape);
                    fill(tensor, random);
                    sample.put(input.name(), tensor);
                }
                return sample;
            }

            @Override
            public String description() {
                return count + " random samples (seed " + seed + ")";
            }

            @Override
            public String digest() {
                return "random:" + seed + ":" + count;
            }
        };
    }

    private static void fill(Tensor tensor, SplittableRandom random) {
        long n = tensor.elementCount();
        DType type = tensor.type();
        switch (type) {
            case FLOAT32 -> {
                var buffer = tensor.floatBuffer();
                for (int i = 0; i < n; i++) {
                    buffer.put(i, (float) random.nextDouble());
                }
            }
            case INT64 -> {
                var buffer = tensor.longBuffer();
                for (int i = 0; i < n; i++) {
                    buffer.put(i, random.nextInt(10));
                }
            }
            case INT32 -> {
                var buffer = tensor.intBuffer();
                for (int i = 0; i < n; i++) {
                    buffer.put(i, random.nextInt(10));
                }
            }
            case UINT8, INT8 -> {
                var buffer = tensor.buffer();
                for (int i = 0; i < n; i++) {
                    buffer.put(i, (byte) random.nextInt(10));
                }
            }
            default -> throw new OptimizerException(OptimizerException.Code.BAD_DATA,
                    "Cannot make random calibration data for an input of type " + type
                            + "; give real samples with --calibration");
        }
    }
}
