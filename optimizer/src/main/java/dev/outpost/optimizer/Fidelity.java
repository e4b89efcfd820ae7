package dev.outpost.optimizer;

import dev.outpost.optimizer.OptimizerException.Code;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * How closely a transformed model reproduces its original: both run in ONNX Runtime on the same
 * inputs, and each output of the original is compared element by element with the same output of
 * the candidate (max and mean absolute error, cosine similarity, SQNR in dB, argmax agreement).
 *
 * <p>Inputs are either the caller's (calibration or evaluation samples) or seeded random tensors
 * that respect each input's element type and shape, symbolic dimensions set to
 * {@link Options#symbolicDim()}: floating-point inputs uniform in [{@link Options#low()},
 * {@link Options#high()}), integer inputs uniform in [0, {@link Options#intHigh()}), booleans
 * uniform. When the candidate declares an input in float16 where the original has float32 (or the
 * reverse), the values are converted. A candidate file ending in {@code .ort} is loaded as ORT format.
 *
 * <p>Pick the random range the model expects: noise far outside it exaggerates differences. Float16
 * weights on yolox_nano (which takes raw pixels, 0..255) give cosine 0.99999 on inputs in [0, 255) but
 * 0.997 on inputs in [0, 1), where the box regressions of a near-black image are ill-conditioned.
 *
 * <p>Stateless and thread-safe; does not own the engine. Sessions are opened and closed per call.
 */
public final class Fidelity {

    private Fidelity() {
    }

    /**
     * How inputs are generated and sessions opened.
     *
     * @param seed seed of the random inputs
     * @param samples number of random input sets, at least 1
     * @param symbolicDim the value used for every symbolic or unknown dimension, at least 1
     * @param low lower bound (inclusive) of random floating-point values
     * @param high upper bound (exclusive) of random floating-point values; greater than {@code low}
     * @param intHigh upper bound (exclusive) of random integer values, at least 1
     * @param session the session config of both models (its optimized-model path must be unset)
     */
    public record Options(long seed, int samples, long symbolicDim, float low, float high, long intHigh,
                          SessionConfig session) {

        /** Checks the ranges. @throws OptimizerException INVALID_OPTION naming the field */
        public Options {
            Objects.requireNonNull(session, "session");
            if (samples < 1) {
                throw invalid("samples is " + samples + "; expected >= 1");
            }
            if (symbolicDim < 1) {
                throw invalid("symbolicDim is " + symbolicDim + "; expected >= 1");
            }
            if (!(Float.isFinite(low) && Float.isFinite(high) && low < high)) {
                throw invalid("random range is [" + low + ", " + high + "); expected finite bounds with low < high");
            }
            if (intHigh < 1) {
                throw invalid("intHigh is " + intHigh + "; expected >= 1");
            }
            if (session.optimizedModelOutput().isPresent()) {
                throw invalid("the session config saves an optimized model to " + session.optimizedModelPath()
                        + "; a fidelity check must not write files");
            }
        }

        /**
         * Seed 42, 2 samples, symbolic dimensions 1, floats in [0, 1), integers in [0, 10), and a
         * one-thread session with all graph optimizations.
         */
        public static Options defaults() {
            return new Options(42, 2, 1, 0f, 1f, 10, SessionConfig.builder().intraOpThreads(1).build());
        }

        /** These options with another seed. */
        public Options withSeed(long newSeed) {
            return new Options(newSeed, samples, symbolicDim, low, high, intHigh, session);
        }

        /** These options with another number of samples. */
        public Options withSamples(int newSamples) {
            return new Options(seed, newSamples, symbolicDim, low, high, intHigh, session);
        }

        /** These options with another range of random floating-point values. */
        public Options withRange(float newLow, float newHigh) {
            return new Options(seed, samples, symbolicDim, newLow, newHigh, intHigh, session);
        }
    }

    /**
     * The comparison of one output over all samples.
     *
     * @param name the output name
     * @param elements elements compared (over all samples)
     * @param maxAbsError the largest absolute difference
     * @param meanAbsError the mean absolute difference
     * @param cosine cosine similarity of the two outputs taken as one vector (1 when both are all zeros)
     * @param sqnrDb signal-to-quantization-noise ratio, {@code 10 log10(sum ref^2 / sum (ref-cand)^2)};
     *     positive infinity when the outputs are identical
     * @param argmaxAgreement fraction of samples whose flattened output has its largest element at the same
     *     index in both models (top-1 agreement for a classifier's scores)
     */
    public record OutputStats(String name, long elements, double maxAbsError, double meanAbsError, double cosine,
                              double sqnrDb, double argmaxAgreement) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: max|err| %.4g, mean|err| %.4g, cosine %.6f, SQNR %.1f dB,"
                    + " argmax agreement %.2f (%d elements)", name, maxAbsError, meanAbsError, cosine, sqnrDb,
                    argmaxAgreement, elements);
        }
    }

    /**
     * The comparison of every output the original model has.
     *
     * @param outputs per-output statistics, in the original model's output order
     * @param samples number of input sets run
     * @param skipped outputs not compared (not numeric tensors: strings, sequences, maps), with the reason
     */
    public record Report(List<OutputStats> outputs, int samples, Map<String, String> skipped) {

        /** Copies the collections. */
        public Report {
            outputs = List.copyOf(outputs);
            skipped = Map.copyOf(skipped);
        }

        /** The smallest cosine over all outputs (1 when none was compared). */
        public double minCosine() {
            return outputs.stream().mapToDouble(OutputStats::cosine).min().orElse(1);
        }

        /** The largest absolute error over all outputs (0 when none was compared). */
        public double maxAbsError() {
            return outputs.stream().mapToDouble(OutputStats::maxAbsError).max().orElse(0);
        }

        /** The smallest SQNR over all outputs (positive infinity when none was compared). */
        public double minSqnrDb() {
            return outputs.stream().mapToDouble(OutputStats::sqnrDb).min().orElse(Double.POSITIVE_INFINITY);
        }

        /** The statistics of output {@code name}. @throws IllegalArgumentException when it was not compared */
        public OutputStats output(String name) {
            return outputs.stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException("No compared output '" + name + "'; compared "
                            + outputs.stream().map(OutputStats::name).toList()));
        }

        /**
         * Checks that every output's cosine is at least {@code minCosine}.
         *
         * @throws OptimizerException VERIFICATION_FAILED listing every output's statistics when one is below
         */
        public Report requireCosine(double minCosine, String what) {
            if (minCosine() < minCosine || Double.isNaN(minCosine())) {
                throw new OptimizerException(Code.VERIFICATION_FAILED, what + " differs from the original beyond"
                        + " tolerance: expected cosine >= " + minCosine + " on every output, received " + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return outputs + " over " + samples + " sample(s)" + (skipped.isEmpty() ? "" : ", skipped " + skipped);
        }
    }

    /**
     * Runs both models on {@link Options#samples()} sets of seeded random inputs and compares them.
     *
     * @throws OptimizerException VERIFICATION_FAILED when either model does not load or run, or the candidate
     *     lacks an output of the original or gives it another shape; BAD_DATA for a string input
     */
    public static Report compare(InferenceEngine engine, Path reference, Path candidate, Options options) {
        try (ModelSession original = open(engine, reference, options.session(), "original");
                ModelSession transformed = open(engine, candidate, options.session(), "candidate")) {
            SplittableRandom random = new SplittableRandom(options.seed());
            Comparison comparison = new Comparison(original, transformed);
            for (int sample = 0; sample < options.samples(); sample++) {
                Map<String, Tensor> inputs = randomInputs(original.inputs(), options, random);
                try {
                    comparison.add(inputs);
                } finally {
                    inputs.values().forEach(Tensor::close);
                }
            }
            return comparison.report();
        }
    }

    /**
     * Runs both models on the caller's input sets (each keyed by the original's input names, in its
     * types; the caller keeps ownership) and compares them.
     *
     * @throws OptimizerException as {@link #compare(InferenceEngine, Path, Path, Options)}; BAD_DATA when
     *     no input set is given or one does not fit the models
     */
    public static Report compare(InferenceEngine engine, Path reference, Path candidate,
            List<Map<String, Tensor>> inputSets, SessionConfig session) {
        if (inputSets.isEmpty()) {
            throw new OptimizerException(Code.BAD_DATA, "No input sets to compare the models on; expected at least one");
        }
        try (ModelSession original = open(engine, reference, session, "original");
                ModelSession transformed = open(engine, candidate, session, "candidate")) {
            Comparison comparison = new Comparison(original, transformed);
            inputSets.forEach(comparison::add);
            return comparison.report();
        }
    }

    /**
     * Seeded random inputs for the given specs (see the type's Javadoc); the caller closes them.
     *
     * @throws OptimizerException BAD_DATA for a string input
     */
    public static Map<String, Tensor> randomInputs(List<TensorSpec> specs, Options options, SplittableRandom random) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        try {
            for (TensorSpec spec : specs) {
                inputs.put(spec.name(), randomTensor(spec, options, random));
            }
        } catch (RuntimeException e) {
            inputs.values().forEach(Tensor::close);
            throw e;
        }
        return inputs;
    }

    /** Opens {@code model}, as ORT format when its name ends in {@code .ort}; failures become VERIFICATION_FAILED. */
    static ModelSession open(InferenceEngine engine, Path model, SessionConfig session, String role) {
        SessionConfig config = session;
        if (model.getFileName().toString().endsWith(".ort")) {
            config = session.toBuilder().configEntry("session.load_model_format", "ORT").build();
        }
        try {
            return engine.open(model, config);
        } catch (InferenceException e) {
            throw new OptimizerException(Code.VERIFICATION_FAILED, "The " + role + " model " + model
                    + " does not load in ONNX Runtime: " + e.getMessage(), e);
        }
    }

    private static Tensor randomTensor(TensorSpec spec, Options options, SplittableRandom random) {
        long[] shape = spec.shapeArray();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                shape[i] = options.symbolicDim();
            }
        }
        DType type = spec.type();
        if (type == DType.STRING) {
            throw new OptimizerException(Code.BAD_DATA, "Input '" + spec.name() + "' is a string tensor; random"
                    + " inputs are generated for numeric and boolean inputs only, pass input sets instead");
        }
        Tensor tensor = Tensor.allocate(type, shape);
        ByteBuffer buffer = tensor.buffer();
        long count = tensor.elementCount();
        float span = options.high() - options.low();
        for (long i = 0; i < count; i++) {
            float f = options.low() + (float) random.nextDouble() * span;
            long n = random.nextLong(options.intHigh());
            switch (type) {
                case FLOAT32 -> buffer.putFloat(f);
                case FLOAT64 -> buffer.putDouble(f);
                case FLOAT16 -> buffer.putShort(Float.floatToFloat16(f));
                case BFLOAT16 -> buffer.putShort((short) (Float.floatToIntBits(f) >>> 16));
                case INT8, UINT8 -> buffer.put((byte) n);
                case BOOL -> buffer.put((byte) (n & 1));
                case INT16, UINT16 -> buffer.putShort((short) n);
                case INT32, UINT32 -> buffer.putInt((int) n);
                case INT64, UINT64 -> buffer.putLong(n);
                case STRING -> throw new AssertionError("refused above");
            }
        }
        return tensor;
    }

    /** Accumulates the statistics of each output over the samples. */
    private static final class Comparison {
        private final ModelSession original;
        private final ModelSession candidate;
        private final Map<String, Accumulator> outputs = new LinkedHashMap<>();
        private final Map<String, String> skipped = new LinkedHashMap<>();
        private int samples;

        Comparison(ModelSession original, ModelSession candidate) {
            this.original = original;
            this.candidate = candidate;
            List<String> candidateOutputs = candidate.outputs().stream().map(TensorSpec::name).toList();
            for (TensorSpec output : original.outputs()) {
                if (!candidateOutputs.contains(output.name())) {
                    throw new OptimizerException(Code.VERIFICATION_FAILED, "The candidate model has no output '"
                            + output.name() + "'; it has " + candidateOutputs);
                }
                if (output.type() == DType.STRING) {
                    skipped.put(output.name(), "string tensor");
                } else {
                    outputs.put(output.name(), new Accumulator(output.name()));
                }
            }
            original.otherOutputs().keySet().forEach(name -> skipped.put(name, "not a tensor"));
        }

        void add(Map<String, Tensor> inputs) {
            List<Tensor> converted = new ArrayList<>();
            try (Outputs expected = run(original, inputs, "original");
                    Outputs actual = run(candidate, adapt(inputs, converted), "candidate")) {
                for (Accumulator accumulator : outputs.values()) {
                    accumulator.add(expected.get(accumulator.name), actual.get(accumulator.name));
                }
                samples++;
            } finally {
                converted.forEach(Tensor::close);
            }
        }

        Report report() {
            return new Report(outputs.values().stream().map(Accumulator::stats).toList(), samples, skipped);
        }

        /** The inputs in the candidate's declared types (float32 and float16 convert into each other). */
        private Map<String, Tensor> adapt(Map<String, Tensor> inputs, List<Tensor> converted) {
            Map<String, Tensor> adapted = new LinkedHashMap<>(inputs);
            for (TensorSpec spec : candidate.inputs()) {
                Tensor given = inputs.get(spec.name());
                if (given == null || given.type() == spec.type()) {
                    continue;
                }
                Tensor tensor = convert(given, spec);
                converted.add(tensor);
                adapted.put(spec.name(), tensor);
            }
            return adapted;
        }

        private static Tensor convert(Tensor given, TensorSpec spec) {
            if (given.type() == DType.FLOAT32 && spec.type() == DType.FLOAT16) {
                Tensor tensor = Tensor.allocate(DType.FLOAT16, given.shape());
                ShortBuffer out = tensor.shortBuffer();
                var in = given.floatBuffer();
                while (in.hasRemaining()) {
                    out.put(Float.floatToFloat16(in.get()));
                }
                return tensor;
            }
            if (given.type() == DType.FLOAT16 && spec.type() == DType.FLOAT32) {
                return Tensor.of(given.toFloatArray(), given.shape());
            }
            throw new OptimizerException(Code.BAD_DATA, "Input '" + spec.name() + "' is " + given.type()
                    + " for the original model but the candidate expects " + spec.type()
                    + "; only float32 and float16 convert into each other");
        }

        private static Outputs run(ModelSession session, Map<String, Tensor> inputs, String role) {
            try {
                return session.run(inputs);
            } catch (InferenceException e) {
                Code code = switch (e.code()) {
                    case UNKNOWN_INPUT, MISSING_INPUT, WRONG_TYPE, WRONG_SHAPE -> Code.BAD_DATA;
                    default -> Code.VERIFICATION_FAILED;
                };
                throw new OptimizerException(code, "The " + role + " model " + session.name() + " failed to run: "
                        + e.getMessage(), e);
            }
        }
    }

    /** Running sums for one output. */
    private static final class Accumulator {
        private final String name;
        private long elements;
        private double maxAbs;
        private double sumAbs;
        private double dot;
        private double refSquares;
        private double candidateSquares;
        private double errorSquares;
        private int argmaxSamples;
        private int argmaxAgreements;

        Accumulator(String name) {
            this.name = name;
        }

        void add(Tensor reference, Tensor candidate) {
            if (!Arrays.equals(reference.shape(), candidate.shape())) {
                throw new OptimizerException(Code.VERIFICATION_FAILED, "Output '" + name + "' has shape "
                        + Arrays.toString(candidate.shape()) + " in the candidate model; the original gives "
                        + Arrays.toString(reference.shape()));
            }
            float[] expected = reference.toFloatArray();
            float[] actual = candidate.toFloatArray();
            int expectedMax = 0;
            int actualMax = 0;
            for (int i = 0; i < expected.length; i++) {
                double e = expected[i];
                double a = actual[i];
                double error = Math.abs(e - a);
                if (Double.isNaN(error) || error > maxAbs) {
                    maxAbs = error; // a NaN sticks: no later comparison is greater than NaN
                }
                sumAbs += error;
                dot += e * a;
                refSquares += e * e;
                candidateSquares += a * a;
                errorSquares += (e - a) * (e - a);
                if (expected[i] > expected[expectedMax]) {
                    expectedMax = i;
                }
                if (actual[i] > actual[actualMax]) {
                    actualMax = i;
                }
            }
            elements += expected.length;
            if (expected.length > 0) {
                argmaxSamples++;
                argmaxAgreements += expectedMax == actualMax ? 1 : 0;
            }
        }

        OutputStats stats() {
            double cosine;
            if (refSquares == 0 && candidateSquares == 0) {
                cosine = 1;
            } else if (refSquares == 0 || candidateSquares == 0) {
                cosine = 0;
            } else {
                cosine = dot / Math.sqrt(refSquares * candidateSquares);
            }
            double sqnr = errorSquares == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(refSquares / errorSquares);
            return new OutputStats(name, elements, maxAbs, elements == 0 ? 0 : sumAbs / elements, cosine, sqnr,
                    argmaxSamples == 0 ? 1 : (double) argmaxAgreements / argmaxSamples);
        }
    }

    private static OptimizerException invalid(String message) {
        return new OptimizerException(Code.INVALID_OPTION, "Fidelity options: " + message);
    }
}
