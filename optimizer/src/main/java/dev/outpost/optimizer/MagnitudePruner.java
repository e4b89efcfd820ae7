package dev.outpost.optimizer;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.Initializer;
import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.TensorData;
import dev.outpost.optimizer.OptimizerException.Code;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.zip.GZIPOutputStream;

/**
 * Unstructured magnitude pruning: the smallest-magnitude weights of {@code Conv}, {@code Gemm} and
 * {@code MatMul} (constant {@code B}) are set to zero until each weight tensor ({@link Scope#PER_LAYER},
 * the default) or all of them together ({@link Scope#GLOBAL}) reach the target sparsity. Weights that are
 * zero already count towards it. Biases are never pruned.
 *
 * <p>Skipped, with the reason in {@link Result#skipped()}: depthwise convolutions (one input channel per
 * group: few weights, each carries a whole channel, so pruning them costs accuracy out of proportion);
 * tensors under {@link Options#minElements()} elements (first convolutions and small heads: little to
 * gain); weights that another kind of node also reads; tensors named in {@link Options#excludedTensors()};
 * weights that are not float32 or float16.
 *
 * <p><b>What it buys.</b> ONNX Runtime's CPU kernels are dense: a zero is multiplied like any other
 * weight, so unstructured sparsity does <i>not</i> make inference faster on CPU, and the uncompressed file
 * keeps its size. The gain is the <b>compressed</b> size of the artifact (runs of zero bytes deflate well),
 * which is what an over-the-air update transfers: {@link Result#compressedBefore()} and
 * {@link Result#compressedAfter()} are gzip sizes (deflate level 6, as {@code gzip} without options).
 * Accuracy drops with sparsity; {@link #curve} measures how fast for a given evaluator.
 *
 * <p>Thread-safe (holds only immutable options).
 */
public final class MagnitudePruner {

    /** The sparsities of a default accuracy-versus-sparsity curve. */
    public static final List<Double> DEFAULT_CURVE = List.of(0.0, 0.25, 0.5, 0.7, 0.8, 0.9);

    private final Options options;

    private MagnitudePruner(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A pruner with the given options. */
    public static MagnitudePruner create(Options options) {
        return new MagnitudePruner(options);
    }

    /** The options. */
    public Options options() {
        return options;
    }

    /** How the sparsity target applies. */
    public enum Scope {
        /** Every weight tensor gets the target sparsity (default; keeps every layer alive). */
        PER_LAYER,
        /** One magnitude threshold for all eligible weights: layers with small weights lose more. */
        GLOBAL
    }

    /**
     * What to prune.
     *
     * @param sparsity the fraction of zero weights wanted, in [0, 1)
     * @param scope per layer or global
     * @param minElements weight tensors with fewer elements are skipped; at least 1
     * @param pruneDepthwise whether depthwise convolution weights are pruned too
     * @param excludedTensors weight initializer names never pruned
     */
    public record Options(double sparsity, Scope scope, long minElements, boolean pruneDepthwise,
                          Set<String> excludedTensors) {

        /** Checks every field. @throws OptimizerException INVALID_OPTION naming the field and its valid range */
        public Options {
            Objects.requireNonNull(scope, "scope");
            excludedTensors = Set.copyOf(new TreeSet<>(excludedTensors));
            if (Double.isNaN(sparsity) || sparsity < 0 || sparsity >= 1) {
                throw new OptimizerException(Code.INVALID_OPTION, "Pruning sparsity is " + sparsity
                        + "; expected a fraction in [0, 1) (0.5 zeroes half of each weight tensor)");
            }
            if (minElements < 1) {
                throw new OptimizerException(Code.INVALID_OPTION, "Pruning minElements is " + minElements
                        + "; expected >= 1");
            }
        }

        /** Per layer, tensors of at least 1024 elements, depthwise convolutions skipped, nothing excluded. */
        public static Options of(double sparsity) {
            return new Options(sparsity, Scope.PER_LAYER, 1024, false, Set.of());
        }

        /** These options with another sparsity. */
        public Options withSparsity(double newSparsity) {
            return new Options(newSparsity, scope, minElements, pruneDepthwise, excludedTensors);
        }

        /** These options with another scope. */
        public Options withScope(Scope newScope) {
            return new Options(sparsity, newScope, minElements, pruneDepthwise, excludedTensors);
        }

        /** These options with another minimum tensor size. */
        public Options withMinElements(long newMinElements) {
            return new Options(sparsity, scope, newMinElements, pruneDepthwise, excludedTensors);
        }

        String provenance() {
            return "prune(sparsity=" + sparsity + ",scope=" + scope.name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + ",min_elements=" + minElements + ",depthwise=" + pruneDepthwise + ")";
        }
    }

    /**
     * One pruned weight tensor.
     *
     * @param tensor the initializer name
     * @param node the label of (the first) node that reads it
     * @param elements number of weights
     * @param zerosBefore weights that were zero before
     * @param zerosAfter weights that are zero now
     */
    public record LayerStats(String tensor, String node, long elements, long zerosBefore, long zerosAfter) {

        /** The fraction of zero weights now. */
        public double sparsity() {
            return elements == 0 ? 0 : (double) zerosAfter / elements;
        }
    }

    /**
     * What pruning did.
     *
     * @param layers the pruned weight tensors, in graph order
     * @param skipped weight tensors not pruned, by name, with the reason
     * @param sparsity zero weights over all weights of the pruned tensors
     * @param bytesBefore uncompressed size before (the source file for {@link #prune(Path, Path)})
     * @param bytesAfter uncompressed size after (the written file, provenance included)
     * @param compressedBefore gzip size before
     * @param compressedAfter gzip size after
     */
    public record Result(List<LayerStats> layers, Map<String, String> skipped, double sparsity, long bytesBefore,
                         long bytesAfter, long compressedBefore, long compressedAfter) {

        /** Copies the collections. */
        public Result {
            layers = List.copyOf(layers);
            skipped = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
        }

        /** {@code compressedAfter / compressedBefore}: below 1 when pruning made the artifact smaller to ship. */
        public double compressedRatio() {
            return compressedBefore == 0 ? 1 : (double) compressedAfter / compressedBefore;
        }

        Result withSizes(long before, long after, long zipBefore, long zipAfter) {
            return new Result(layers, skipped, sparsity, before, after, zipBefore, zipAfter);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "prune: %d tensors at sparsity %.3f, %d skipped; %d -> %d bytes,"
                    + " gzip %d -> %d (%.3f)", layers.size(), sparsity, skipped.size(), bytesBefore, bytesAfter,
                    compressedBefore, compressedAfter, compressedRatio());
        }
    }

    /**
     * One point of an accuracy-versus-sparsity curve.
     *
     * @param targetSparsity the sparsity asked for
     * @param achievedSparsity zero weights over the pruned tensors' weights
     * @param accuracy what the evaluator returned for the pruned model
     * @param bytes the pruned model's file size
     * @param compressedBytes its gzip size
     */
    public record CurvePoint(double targetSparsity, double achievedSparsity, double accuracy, long bytes,
                             long compressedBytes) {
    }

    /**
     * Reads {@code source}, prunes it, validates it and writes it to {@code target} atomically, with
     * provenance. Nothing is written on failure.
     *
     * @throws OptimizerException IO, UNSUPPORTED_MODEL (unreadable model), VERIFICATION_FAILED (the result
     *     does not validate)
     */
    public Result prune(Path source, Path target) {
        OnnxModel model = PassSupport.read(source);
        Result result = pruneInPlace(model);
        PassSupport.record(model, PassSupport.sha256(source), options.provenance());
        Path temporary = PassSupport.temporaryBeside(target, ".onnx");
        try {
            PassSupport.write(model, temporary);
            result = result.withSizes(PassSupport.size(source), PassSupport.size(temporary),
                    gzipSize(source), gzipSize(temporary));
            PassSupport.moveIntoPlace(temporary, target);
            return result;
        } finally {
            PassSupport.deleteQuietly(temporary);
        }
    }

    /**
     * Prunes {@code model} in place (copy it first to keep the original); sizes are of the serialized
     * model before and after.
     *
     * @throws OptimizerException VERIFICATION_FAILED when the result does not validate
     */
    public Result apply(OnnxModel model) {
        byte[] before = model.toBytes();
        Result result = pruneInPlace(model);
        byte[] after = model.toBytes();
        return result.withSizes(before.length, after.length, gzipSize(before), gzipSize(after));
    }

    /** Prunes and validates; the sizes of the result are left 0. */
    private Result pruneInPlace(OnnxModel model) {
        Graph graph = model.graph();
        Map<String, String> skipped = new LinkedHashMap<>();
        List<Candidate> candidates = candidates(graph, skipped);
        if (options.scope() == Scope.GLOBAL) {
            pruneGlobally(candidates);
        } else {
            candidates.forEach(c -> c.pruneTo(threshold(c.magnitudes(), target(c.values.length))));
        }
        List<LayerStats> layers = new ArrayList<>();
        long zeros = 0;
        long elements = 0;
        for (Candidate candidate : candidates) {
            candidate.store();
            LayerStats stats = candidate.stats();
            layers.add(stats);
            zeros += stats.zerosAfter();
            elements += stats.elements();
        }
        var errors = model.validate().stream().filter(p -> p.isError()).toList();
        if (!errors.isEmpty()) {
            throw new OptimizerException(Code.VERIFICATION_FAILED, "The pruned model does not validate: " + errors);
        }
        return new Result(layers, skipped, elements == 0 ? 0 : (double) zeros / elements, 0, 0, 0, 0);
    }

    /**
     * The accuracy-versus-sparsity curve: {@code source} pruned at each sparsity (with {@code base}'s
     * other options) into a temporary file, which {@code evaluate} scores and which is deleted afterwards.
     * The evaluator receives the path of a complete model file; an exception it throws ends the curve
     * (the temporary files are removed) and propagates.
     *
     * @param sparsities the sparsities, each in [0, 1) (e.g. {@link #DEFAULT_CURVE})
     * @throws OptimizerException INVALID_OPTION for a sparsity out of range (before anything runs), IO
     */
    public static List<CurvePoint> curve(Path source, List<Double> sparsities, Options base,
            ToDoubleFunction<Path> evaluate) {
        List<Options> each = sparsities.stream().map(base::withSparsity).toList();
        OnnxModel original = PassSupport.read(source);
        String sha = PassSupport.sha256(source);
        Path folder;
        try {
            folder = Files.createTempDirectory("outpost-prune-curve");
        } catch (IOException e) {
            throw new OptimizerException(Code.IO, "Cannot create a temporary folder for the pruning curve: " + e, e);
        }
        List<CurvePoint> points = new ArrayList<>();
        try {
            for (Options options : each) {
                Path pruned = folder.resolve("pruned-" + points.size() + ".onnx");
                try {
                    OnnxModel model = original.copy();
                    Result result = create(options).pruneInPlace(model);
                    PassSupport.record(model, sha, options.provenance());
                    PassSupport.write(model, pruned);
                    double accuracy = evaluate.applyAsDouble(pruned);
                    points.add(new CurvePoint(options.sparsity(), result.sparsity(), accuracy,
                            PassSupport.size(pruned), gzipSize(pruned)));
                } finally {
                    PassSupport.deleteQuietly(pruned);
                }
            }
        } finally {
            PassSupport.deleteQuietly(folder);
        }
        return List.copyOf(points);
    }

    /** The gzip size (deflate level 6) of {@code bytes}. */
    public static long gzipSize(byte[] bytes) {
        CountingStream counter = new CountingStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(counter, 1 << 16)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("Compressing into a counter cannot fail", e);
        }
        return counter.count;
    }

    /** The gzip size (deflate level 6) of a file. @throws OptimizerException IO */
    public static long gzipSize(Path file) {
        CountingStream counter = new CountingStream();
        try (InputStream in = Files.newInputStream(file); GZIPOutputStream gzip = new GZIPOutputStream(counter, 1 << 16)) {
            in.transferTo(gzip);
        } catch (IOException e) {
            throw new OptimizerException(Code.IO, "Cannot read " + file.toAbsolutePath() + ": " + e, e);
        }
        return counter.count;
    }

    private List<Candidate> candidates(Graph graph, Map<String, String> skipped) {
        Map<String, Candidate> found = new LinkedHashMap<>();
        for (Node node : graph.nodes()) {
            if (!(node.is(Op.CONV) || node.is(Op.GEMM) || node.is(Op.MAT_MUL))) {
                continue;
            }
            String name = node.input(1);
            if (found.containsKey(name) || skipped.containsKey(name)) {
                continue;
            }
            graph.initializer(name).ifPresent(weight -> {
                String reason = skipReason(graph, node, weight);
                if (reason == null) {
                    found.put(name, new Candidate(weight, node.label()));
                } else {
                    skipped.put(name, reason);
                }
            });
        }
        return new ArrayList<>(found.values());
    }

    private String skipReason(Graph graph, Node node, Initializer weight) {
        String name = weight.name();
        if (options.excludedTensors().contains(name)) {
            return "excluded by name";
        }
        ElementType type = weight.elementType();
        if (type != ElementType.FLOAT && type != ElementType.FLOAT16) {
            return "element type " + type.onnxName() + " (only float and float16 weights are pruned)";
        }
        long[] dims = weight.dims();
        if (node.is(Op.CONV) && !options.pruneDepthwise() && node.attributeInt("group", 1) > 1 && dims.length > 1
                && dims[1] == 1) {
            return "depthwise convolution (group " + node.attributeInt("group", 1) + ")";
        }
        if (weight.elementCount() < options.minElements()) {
            return weight.elementCount() + " elements, fewer than " + options.minElements();
        }
        for (Node reader : graph.consumers(name)) {
            boolean weightSlot = (reader.is(Op.CONV) || reader.is(Op.GEMM) || reader.is(Op.MAT_MUL))
                    && reader.input(1).equals(name) && !reader.input(0).equals(name);
            if (!weightSlot) {
                return "also read by " + reader.label();
            }
        }
        return null;
    }

    private long target(long elements) {
        return (long) Math.floor(options.sparsity() * elements);
    }

    private void pruneGlobally(List<Candidate> candidates) {
        int total = 0;
        for (Candidate candidate : candidates) {
            total = Math.addExact(total, candidate.values.length);
        }
        float[] all = new float[total];
        int offset = 0;
        for (Candidate candidate : candidates) {
            float[] magnitudes = candidate.magnitudes();
            System.arraycopy(magnitudes, 0, all, offset, magnitudes.length);
            offset += magnitudes.length;
        }
        long zeroCount = target(total);
        Threshold threshold = threshold(all, zeroCount);
        // Below the threshold everything goes; ties at it are taken in graph order until the count is reached.
        long tiesLeft = threshold.ties;
        for (Candidate candidate : candidates) {
            tiesLeft -= candidate.pruneTo(new Threshold(threshold.value, tiesLeft));
        }
    }

    /** Zero every magnitude below {@code value} and {@code ties} of those equal to it. */
    private record Threshold(float value, long ties) {
    }

    /** The threshold that zeroes exactly {@code count} of the {@code magnitudes} (sorted here; a copy). */
    private static Threshold threshold(float[] magnitudes, long count) {
        if (count == 0) {
            return new Threshold(0f, 0);
        }
        float[] sorted = magnitudes.clone();
        Arrays.sort(sorted);
        float value = sorted[(int) count - 1];
        long below = 0;
        for (float m : sorted) {
            if (m < value) {
                below++;
            } else {
                break;
            }
        }
        return new Threshold(value, count - below);
    }

    /** One weight tensor being pruned. */
    private static final class Candidate {
        private final Initializer weight;
        private final String node;
        private final float[] values;
        private final long zerosBefore;

        Candidate(Initializer weight, String node) {
            this.weight = weight;
            this.node = node;
            this.values = weight.floats();
            this.zerosBefore = zeros(values);
        }

        float[] magnitudes() {
            float[] magnitudes = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                magnitudes[i] = Math.abs(values[i]);
            }
            return magnitudes;
        }

        /** Zeroes what the threshold says; returns how many ties it used. */
        long pruneTo(Threshold threshold) {
            long ties = 0;
            if (threshold.ties() == 0 && threshold.value() == 0f) {
                return 0;
            }
            for (int i = 0; i < values.length; i++) {
                float magnitude = Math.abs(values[i]);
                if (magnitude < threshold.value()) {
                    values[i] = 0f;
                } else if (magnitude == threshold.value() && ties < threshold.ties()) {
                    values[i] = 0f;
                    ties++;
                }
            }
            return ties;
        }

        void store() {
            if (weight.elementType() == ElementType.FLOAT) {
                weight.set(TensorData.ofFloats(values, weight.dims()));
            } else {
                ByteBuffer half = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float value : values) {
                    half.putShort(Float.floatToFloat16(value));
                }
                weight.set(TensorData.ofRaw(ElementType.FLOAT16, half.array(), weight.dims()));
            }
        }

        LayerStats stats() {
            return new LayerStats(weight.name(), node, values.length, zerosBefore, zeros(values));
        }

        private static long zeros(float[] values) {
            long zeros = 0;
            for (float value : values) {
                if (value == 0f) {
                    zeros++;
                }
            }
            return zeros;
        }
    }

    /** An output stream that only counts. */
    private static final class CountingStream extends OutputStream {
        private long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
