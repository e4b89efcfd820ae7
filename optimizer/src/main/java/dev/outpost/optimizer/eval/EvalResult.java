package dev.outpost.optimizer.eval;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The outcome of evaluating one model on an {@link EvalData}.
 *
 * <p>Metrics, by name (fractions are 0..1; a metric is present only where it was measured):
 * <pre>
 * top1            CLASSIFY: fraction of samples whose best class is the label
 * top5            CLASSIFY with more than 5 classes: fraction whose label is among the 5 best
 * map50           DETECT: mAP at IoU 0.5 (VOC all-point AP, averaged over classes with ground truth)
 * map50_95        DETECT: mean of mAP at IoU 0.50, 0.55, ..., 0.95
 * agreement_top1  with a reference: fraction of samples whose best class (largest value of the
 *                 classification output, else of the first vector-shaped output) matches the reference's
 *                 (raw outputs are compared; a declared label offset, such as a background class, is
 *                 left out, so that a 1001-class output lines up with a 1000-class one)
 * cosine_mean     with a reference: the lowest, over outputs, of the mean cosine similarity
 * cosine_min      with a reference: the lowest cosine similarity of any sample and output
 * sqnr_db         with a reference: the lowest SQNR of any output, in dB (infinite when identical)
 * max_abs_error   with a reference: the largest absolute difference of any value
 * </pre>
 * Per-output figures are in {@link #fidelity()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param model the model file evaluated
 * @param modelBytes its size in bytes
 * @param task what was measured
 * @param samples number of samples evaluated
 * @param metrics metric name to value, in the order above
 * @param fidelity per output, the fidelity to the reference; empty without a reference
 * @param reference the reference model, if one was given
 * @param latencyMedian the median time of one sample's model run (ONNX Runtime only: no decoding,
 *     preprocessing or postprocessing), one sample per run
 * @param pipeline where the pre- and post-processing declaration came from, e.g. {@code catalog} or
 *     {@code catalog of reference squeezenet1.0-fp32.onnx}
 */
public record EvalResult(Path model, long modelBytes, Task task, int samples, Map<String, Double> metrics,
        List<OutputFidelity> fidelity, Optional<Path> reference, Duration latencyMedian, String pipeline) {

    /** Top-1 accuracy (0..1). */
    public static final String TOP1 = "top1";
    /** Top-5 accuracy (0..1). */
    public static final String TOP5 = "top5";
    /** mAP at IoU 0.5. */
    public static final String MAP50 = "map50";
    /** mAP averaged over IoU 0.50..0.95. */
    public static final String MAP50_95 = "map50_95";
    /** Top-1 agreement with the reference (0..1). */
    public static final String AGREEMENT_TOP1 = "agreement_top1";
    /** Mean cosine similarity to the reference (worst output). */
    public static final String COSINE_MEAN = "cosine_mean";
    /** Lowest cosine similarity to the reference. */
    public static final String COSINE_MIN = "cosine_min";
    /** SQNR to the reference in dB (worst output). */
    public static final String SQNR_DB = "sqnr_db";
    /** Largest absolute difference from the reference. */
    public static final String MAX_ABS_ERROR = "max_abs_error";

    /** Every metric name, in report order. */
    public static final List<String> METRIC_NAMES = List.of(TOP1, TOP5, MAP50, MAP50_95, AGREEMENT_TOP1,
            COSINE_MEAN, COSINE_MIN, SQNR_DB, MAX_ABS_ERROR);

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public EvalResult {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(latencyMedian, "latencyMedian");
        Objects.requireNonNull(pipeline, "pipeline");
        for (String name : metrics.keySet()) {
            if (!METRIC_NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown metric '" + name + "'; expected one of " + METRIC_NAMES);
            }
        }
        Map<String, Double> ordered = new LinkedHashMap<>();
        for (String name : METRIC_NAMES) {
            if (metrics.containsKey(name)) {
                ordered.put(name, Objects.requireNonNull(metrics.get(name), name));
            }
        }
        metrics = Collections.unmodifiableMap(ordered);
        fidelity = List.copyOf(fidelity);
    }

    /** A metric's value, if it was measured. */
    public OptionalDouble metric(String name) {
        Double value = metrics.get(name);
        return value == null ? OptionalDouble.empty() : OptionalDouble.of(value);
    }

    /** Top-1 accuracy, for classification. */
    public OptionalDouble top1() {
        return metric(TOP1);
    }

    /** Top-5 accuracy, for classification. */
    public OptionalDouble top5() {
        return metric(TOP5);
    }

    /** mAP@0.5, for detection. */
    public OptionalDouble map50() {
        return metric(MAP50);
    }

    /** Top-1 agreement with the reference. */
    public OptionalDouble agreementTop1() {
        return metric(AGREEMENT_TOP1);
    }

    /** Mean cosine similarity to the reference. */
    public OptionalDouble cosineMean() {
        return metric(COSINE_MEAN);
    }

    /** SQNR to the reference in dB. */
    public OptionalDouble sqnrDb() {
        return metric(SQNR_DB);
    }

    /**
     * The metric that stands for quality in plots and rankings: top-1 (classify), mAP@0.5 (detect),
     * else top-1 agreement where measured, else mean cosine; empty when none was measured.
     */
    public Optional<String> primaryMetric() {
        return Optional.ofNullable(switch (task) {
            case CLASSIFY -> metrics.containsKey(TOP1) ? TOP1 : null;
            case DETECT -> metrics.containsKey(MAP50) ? MAP50 : null;
            case EMBED -> metrics.containsKey(COSINE_MEAN) ? COSINE_MEAN : null;
            case TENSOR -> metrics.containsKey(AGREEMENT_TOP1) ? AGREEMENT_TOP1
                    : metrics.containsKey(COSINE_MEAN) ? COSINE_MEAN : null;
        });
    }
}
