package dev.outpost.optimizer;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Shape;
import dev.outpost.model.ValueType;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Finds the real range of activation tensors by running the fp32 model on calibration data with
 * those tensors exposed as extra graph outputs (REFERENCE-INFERENCE.md 2.3), in a session with graph
 * optimizations off so that no tensor is fused away.
 *
 * <p>Streaming: every sample is run, reduced in Java and closed before the next, so memory does not
 * grow with the number of samples. MinMax needs one pass; Percentile and Entropy a second pass that
 * fills a fixed-size histogram per tensor over the range the first pass found, which makes them
 * exact for the data (no re-binning as new extremes appear) at twice the run time. Whatever the
 * method, a range read only through a saturating activation is then narrowed to where it saturates
 * ({@link ActivationAwareRanges}).
 */
final class Calibrator {

    private final InferenceEngine engine;
    private final CalibrationMethod method;
    private final double percentile;
    private final int bins;
    private final int quantizedBins;

    /**
     * @param percentile for PERCENTILE: the share of values kept, e.g. 99.999
     * @param bins histogram bins for PERCENTILE and ENTROPY
     * @param quantizedBins for ENTROPY: the number of levels the threshold search simulates
     */
    Calibrator(InferenceEngine engine, CalibrationMethod method, double percentile, int bins, int quantizedBins) {
        this.engine = engine;
        this.method = method;
        this.percentile = percentile;
        this.bins = bins;
        this.quantizedBins = quantizedBins;
    }

    /**
     * What calibration found.
     *
     * @param ranges the range of each calibrated tensor
     * @param channelMeans the mean of each channel (axis 1) of the tensors asked for, over all samples and
     *     positions: the expected input of a Conv or Gemm, for bias correction
     * @param narrowed how many of the ranges were narrowed to where a SiLU or Sigmoid reading them saturates
     */
    record Result(Map<String, TensorRange> ranges, Map<String, double[]> channelMeans, int narrowed) {
    }

    /** Progress of one pass: samples done out of total. */
    record Step(String stage, int done, int total) {
    }

    /**
     * The range of each named float tensor of the model.
     *
     * @param model the fp32 model (not changed)
     * @param tensors the tensors to calibrate
     * @throws OptimizerException BAD_DATA when a sample does not fit the model
     */
    Result calibrate(OnnxModel model, Set<String> rangeTensors, Set<String> meanTensors, CalibrationData data,
            Consumer<Step> progress) {
        Result measured = measure(model, rangeTensors, meanTensors, data, progress);
        Map<String, TensorRange> ranges = new LinkedHashMap<>(measured.ranges());
        int narrowed = ActivationAwareRanges.narrow(model.graph(), ranges);
        return new Result(ranges, measured.channelMeans(), narrowed);
    }

    /** The ranges the method finds in the data, before any narrowing. */
    private Result measure(OnnxModel model, Set<String> rangeTensors, Set<String> meanTensors, CalibrationData data,
            Consumer<Step> progress) {
        Set<String> tensors = new java.util.LinkedHashSet<>(rangeTensors);
        tensors.addAll(meanTensors);
        if (data.size() == 0) {
            throw new OptimizerException(OptimizerException.Code.BAD_DATA, "No calibration samples in "
                    + data.description() + "; static quantization needs at least one");
        }
        OnnxModel augmented = model.copy();
        Graph graph = augmented.graph();
        Set<String> outputs = new java.util.HashSet<>();
        graph.outputs().forEach(o -> outputs.add(o.name()));
        Set<String> inputs = new java.util.HashSet<>();
        graph.inputs().forEach(i -> inputs.add(i.name()));
        for (String tensor : tensors) {
            if (!outputs.contains(tensor) && !inputs.contains(tensor)) {
                graph.addOutput(tensor, new ValueType.TensorType(ElementType.FLOAT, Shape.unknownRank()));
            }
        }
        SessionConfig config = SessionConfig.builder()
                .optimizationLevel(SessionConfig.OptimizationLevel.NONE)
                .build();
        List<String> names = new ArrayList<>(tensors);
        Map<String, double[]> sums = new LinkedHashMap<>();
        Map<String, long[]> counts = new LinkedHashMap<>();
        double[] min = new double[names.size()];
        double[] max = new double[names.size()];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        double[] minSum = new double[names.size()];
        double[] maxSum = new double[names.size()];
        try (ModelSession session = engine.open(augmented.toBytes(), config)) {
            Set<String> wanted = new java.util.LinkedHashSet<>(names);
            wanted.removeAll(inputs);
            runAll(session, wanted, data, "calibrating ranges", progress, (i, tensor) -> {
                String name = names.get(i);
                if (meanTensors.contains(name)) {
                    addChannelSums(tensor, sums, counts, name);
                }
                FloatBuffer values = tensor.floatBuffer();
                float sampleMin = Float.POSITIVE_INFINITY;
                float sampleMax = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < values.limit(); k++) {
                    float v = values.get(k);
                    if (v < sampleMin) {
                        sampleMin = v;
                    }
                    if (v > sampleMax) {
                        sampleMax = v;
                    }
                }
                min[i] = Math.min(min[i], sampleMin);
                max[i] = Math.max(max[i], sampleMax);
                if (Float.isFinite(sampleMin) && Float.isFinite(sampleMax)) {
                    minSum[i] += sampleMin;
                    maxSum[i] += sampleMax;
                }
            }, names);
            Map<String, double[]> means = new LinkedHashMap<>();
            sums.forEach((name, sum) -> {
                long[] count = counts.get(name);
                double[] mean = new double[sum.length];
                for (int c = 0; c < sum.length; c++) {
                    mean[c] = count[c] == 0 ? 0 : sum[c] / count[c];
                }
                means.put(name, mean);
            });
            Map<String, TensorRange> ranges = new LinkedHashMap<>();
            if (method == CalibrationMethod.MINMAX || method == CalibrationMethod.MEAN_MINMAX) {
                for (int i = 0; i < names.size(); i++) {
                    if (rangeTensors.contains(names.get(i))) {
                        double lo = finite(min[i]);
                        double hi = finite(max[i]);
                        ranges.put(names.get(i), method == CalibrationMethod.MINMAX ? TensorRange.seen(lo, hi)
                                : new TensorRange(minSum[i] / data.size(), maxSum[i] / data.size(), lo, hi));
                    }
                }
                return new Result(ranges, means, 0);
            }
            long[][] signed = new long[names.size()][bins];
            long[][] absolute = new long[names.size()][bins];
            runAll(session, wanted, data, "calibrating histograms", progress, (i, tensor) -> {
                FloatBuffer values = tensor.floatBuffer();
                double lo = min[i];
                double span = max[i] - lo;
                double absMax = Math.max(Math.abs(min[i]), Math.abs(max[i]));
                long[] s = signed[i];
                long[] a = absolute[i];
                for (int k = 0; k < values.limit(); k++) {
                    float v = values.get(k);
                    if (span > 0) {
                        s[Math.min(bins - 1, (int) ((v - lo) / span * bins))]++;
                    }
                    if (absMax > 0) {
                        a[Math.min(bins - 1, (int) (Math.abs(v) / absMax * bins))]++;
                    }
                }
            }, names);
            for (int i = 0; i < names.size(); i++) {
                if (!rangeTensors.contains(names.get(i))) {
                    continue;
                }
                double lo = finite(min[i]);
                double hi = finite(max[i]);
                TensorRange range = switch (method) {
                    case PERCENTILE -> Histograms.percentile(signed[i], lo, hi, percentile);
                    case MSE -> Histograms.mse(signed[i], lo, hi, 256);
                    default -> Histograms.entropy(absolute[i], lo, hi, quantizedBins);
                };
                ranges.put(names.get(i), range);
            }
            return new Result(ranges, means, 0);
        }
    }

    /** Adds a tensor's per-channel (axis 1) sums; rank-1 tensors count as one channel per element. */
    private static void addChannelSums(Tensor tensor, Map<String, double[]> sums, Map<String, long[]> counts,
            String name) {
        long[] shape = tensor.shape();
        if (shape.length < 2) {
            return;
        }
        int channels = (int) shape[1];
        long inner = 1;
        for (int d = 2; d < shape.length; d++) {
            inner *= shape[d];
        }
        double[] sum = sums.computeIfAbsent(name, k -> new double[channels]);
        long[] count = counts.computeIfAbsent(name, k -> new long[channels]);
        if (sum.length != channels) {
            return;
        }
        FloatBuffer values = tensor.floatBuffer();
        int n = values.limit();
        for (int i = 0; i < n; i++) {
            int c = (int) ((i / inner) % channels);
            sum[c] += values.get(i);
            count[c]++;
        }
    }

    @FunctionalInterface
    private interface Reducer {
        void accept(int tensorIndex, Tensor tensor);
    }

    private static void runAll(ModelSession session, Set<String> wanted, CalibrationData data, String stage,
            Consumer<Step> progress, Reducer reducer, List<String> names) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        for (int s = 0; s < data.size(); s++) {
            Map<String, Tensor> sample = data.sample(s);
            try (Outputs outputs = wanted.isEmpty() ? null : session.run(sample, wanted)) {
                for (String name : names) {
                    // graph inputs are read from the sample itself: ONNX Runtime does not echo them as outputs
                    Tensor tensor = wanted.contains(name) ? outputs.get(name) : sample.get(name);
                    reducer.accept(index.get(name), tensor);
                }
            } catch (dev.outpost.runtime.InferenceException e) {
                throw new OptimizerException(OptimizerException.Code.BAD_DATA, "Calibration sample " + s + " of "
                        + data.description() + " does not fit the model: " + e.getMessage(), e);
            } finally {
                sample.values().forEach(Tensor::close);
            }
            progress.accept(new Step(stage, s + 1, data.size()));
        }
    }

    private static double finite(double v) {
        return Double.isFinite(v) ? v : 0.0;
    }
}
