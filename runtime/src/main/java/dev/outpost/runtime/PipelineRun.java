package dev.outpost.runtime;

import java.time.Duration;
import java.util.List;

/**
 * The result of one {@link Pipeline} call: one prediction per input, in input order, and the time
 * each stage took for the whole call.
 *
 * <p>Immutable and thread-safe.
 *
 * @param predictions one per image (or one for a tensor input), in order
 * @param preprocess decoding is not included: time from decoded images to the input tensor
 * @param inference time in {@link ModelSession#run}
 * @param postprocess time from output tensors to predictions
 */
public record PipelineRun(List<Prediction> predictions, Duration preprocess, Duration inference,
        Duration postprocess) {

    public PipelineRun {
        predictions = List.copyOf(predictions);
    }

    /** Preprocessing, inference and postprocessing together. */
    public Duration total() {
        return preprocess.plus(inference).plus(postprocess);
    }

    /** The single prediction of a one-input call. */
    public Prediction only() {
        if (predictions.size() != 1) {
            throw new IllegalStateException("This run holds " + predictions.size() + " predictions, not one");
        }
        return predictions.getFirst();
    }
}
