package dev.outpost.benchmark;

import dev.outpost.runtime.DType;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.Npy;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Makes the input tensors of a benchmark: seeded random ones matching the signature, or .npy files. */
public final class BenchInputs {

    private BenchInputs() {
    }

    /**
     * Why random inputs of {@code batch} (above 1) samples per run cannot be made for these inputs, if
     * they cannot because an input's first dimension is fixed to another size (the model runs only that
     * batch). The same rule as the random inputs themselves, checked without allocating them.
     */
    public static java.util.Optional<String> fixedBatchProblem(List<TensorSpec> specs, int batch) {
        for (TensorSpec spec : specs) {
            if (batch > 1 && spec.rank() > 0 && spec.shape().get(0) >= 0 && spec.shape().get(0) != batch) {
                return java.util.Optional.of("input '" + spec.name() + "' " + spec.shapeString()
                        + " has a fixed batch of " + spec.shape().get(0));
            }
        }
        return java.util.Optional.empty();
    }

    /** The shape a random input gets: a dynamic first dimension becomes {@code batch}. */
    static long[] shapeFor(TensorSpec spec, int batch) {
        long[] shape = spec.shapeArray();
        for (int axis = 0; axis < shape.length; axis++) {
            if (shape[axis] >= 0) {
                continue;
            }
            if (axis == 0) {
                shape[0] = batch;
            } else {
                String symbol = spec.dimNames().get(axis).isEmpty() ? "?" : spec.dimNames().get(axis);
                throw new BenchmarkException(BenchmarkException.Code.INPUTS, "Input '" + spec.name() + "' "
                        + spec.shapeString() + " has a dynamic dimension '" + symbol + "' at axis " + axis
                        + "; random inputs can only fill a dynamic first (batch) dimension. Give .npy files"
                        + " with --inputs DIR");
            }
        }
        if (batch > 1 && spec.rank() > 0 && spec.shape().get(0) >= 0 && spec.shape().get(0) != batch) {
            throw new BenchmarkException(BenchmarkException.Code.INPUTS, "Input '" + spec.name() + "' "
                    + spec.shapeString() + " has a fixed first dimension of " + spec.shape().get(0)
                    + "; batch " + batch + " needs a dynamic first dimension (use batch 1)");
        }
        return shape;
    }

    /**
     * Seeded random tensors for every input (a dynamic first dimension becomes {@code batch}); the
     * caller owns (closes) them. The same specs, batch and seed give the same tensors.
     *
     * @throws BenchmarkException INPUTS for dynamic non-batch dimensions or a batch above 1 on a fixed first dimension
     */
    public static Map<String, Tensor> random(List<TensorSpec> specs, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (TensorSpec spec : specs) {
                tensors.put(spec.name(), randomTensor(spec, shapeFor(spec, batch), random));
            }
        } catch (RuntimeException e) {
            tensors.values().forEach(Tensor::close);
            throw e;
        }
        return tensors;
    }

    private static Tensor randomTensor(TensorSpec spec, long[] shape, SplittableRandom random) {
        DType type = spec.type();
        if (type == DType.STRING) {
            throw new BenchmarkException(BenchmarkException.Code.INPUTS, "Input '" + spec.name()
                    + "' is a string tensor; random inputs are numeric only. Give .npy files with --inputs DIR");
        }
        Tensor tensor = Tensor.allocate(type, shape);
        ByteBuffer buffer = tensor.buffer();
        long count = tensor.elementCount();
        for (long i = 0; i < count; i++) {
            switch (type) {
                // Values in [0, 1) for floats: the range of normalised images; small non-negative
                // integers (0..9) for indices and ids so embedding lookups stay in range.
                case FLOAT32 -> buffer.putFloat(random.nextFloat());
                case FLOAT64 -> buffer.putDouble(random.nextDouble());
                case FLOAT16 -> buffer.putShort(Float.floatToFloat16(random.nextFloat()));
                case BFLOAT16 -> buffer.putShort((short) (Float.floatToIntBits(random.nextFloat()) >>> 16));
                case INT8, UINT8 -> buffer.put((byte) random.nextInt(256));
                case BOOL -> buffer.put((byte) random.nextInt(2));
                case INT16, UINT16 -> buffer.putShort((short) random.nextInt(10));
                case INT32, UINT32 -> buffer.putInt(random.nextInt(10));
                case INT64, UINT64 -> buffer.putLong(random.nextInt(10));
                case STRING -> throw new IllegalStateException("unreachable: strings are refused above");
            }
        }
        buffer.rewind();
        return tensor;
    }

    /**
     * The tensors of a folder of {@code NAME.npy} files, one per model input; a model with one input
     * may take the folder's only .npy file whatever its name. The caller owns (closes) them.
     */
    static Map<String, Tensor> npyFolder(List<TensorSpec> specs, Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new BenchmarkException(BenchmarkException.Code.INPUTS, "Inputs folder " + folder
                    + " does not exist or is not a folder; expected a folder of NAME.npy files, or 'random'");
        }
        List<Path> npyFiles;
        try (Stream<Path> files = Files.list(folder)) {
            npyFiles = files.filter(file -> file.getFileName().toString().endsWith(".npy")).sorted().toList();
        } catch (IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot list " + folder + ": " + e.getMessage(), e);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (TensorSpec spec : specs) {
                Path file = folder.resolve(spec.name() + ".npy");
                if (!Files.isRegularFile(file) && specs.size() == 1 && npyFiles.size() == 1) {
                    file = npyFiles.get(0);
                }
                if (!Files.isRegularFile(file)) {
                    throw new BenchmarkException(BenchmarkException.Code.INPUTS, "No " + spec.name()
                            + ".npy in " + folder + " for input '" + spec.name() + "' " + spec.shapeString()
                            + "; found " + names(npyFiles));
                }
                Tensor tensor = Npy.read(file);
                tensors.put(spec.name(), tensor);
                if (!spec.accepts(tensor.type(), tensor.shape())) {
                    throw new BenchmarkException(BenchmarkException.Code.INPUTS, file + " holds "
                            + tensor.type().onnxName() + java.util.Arrays.toString(tensor.shape())
                            + "; input '" + spec.name() + "' expects " + spec.type().onnxName() + spec.shapeString());
                }
            }
        } catch (RuntimeException e) {
            tensors.values().forEach(Tensor::close);
            if (e instanceof InferenceException inference) {
                throw new BenchmarkException(BenchmarkException.Code.INPUTS, inference.getMessage(), inference);
            }
            throw e;
        }
        return tensors;
    }

    private static List<String> names(List<Path> files) {
        List<String> names = new ArrayList<>();
        files.forEach(file -> names.add(file.getFileName().toString()));
        return names;
    }
}
