package dev.outpost.runtime;

import java.util.List;
import java.util.Map;

/**
 * What a {@link Pipeline} made of one input: top-k classes, detected boxes, or (without a
 * postprocessing declaration) the raw output values.
 *
 * <p>Immutable and thread-safe.
 *
 * @param classes the top-k classes, best first; empty unless the pipeline classifies
 * @param detections boxes in the original image's pixel coordinates, best first; empty unless it detects
 * @param tensors output name to values (row-major, converted to float) when the pipeline declares
 *     no postprocessing; empty otherwise
 */
public record Prediction(List<Classification> classes, List<Detection> detections, Map<String, float[]> tensors) {

    public Prediction {
        classes = List.copyOf(classes);
        detections = List.copyOf(detections);
        tensors = Map.copyOf(tensors);
    }
}
