package dev.outpost.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a detector's outputs into {@link Detection}s in the original images' pixels, as a
 * {@link DetectionSpec} declares: decode (YOLOX, YOLOv8 or SSD; see {@link DetectionSpec}), keep each
 * anchor's best class if it reaches the score threshold, map the box back through the image's
 * {@link ImageTransform} (the exact inverse of the letterbox / stretch / crop) and clip it to the
 * image, then {@link Nms non-maximum suppression} and the maximum count. Results are sorted by
 * descending score.
 *
 * <p>Immutable and thread-safe.
 */
public final class DetectionPostprocessor {

    private final DetectionSpec spec;
    private final List<String> labels;

    private DetectionPostprocessor(DetectionSpec spec, List<String> labels) {
        this.spec = spec;
        this.labels = labels;
    }

    /**
     * A postprocessor whose labels come from the spec's labels file, if it names one.
     *
     * @throws InferenceException PIPELINE when the labels file cannot be read
     */
    public static DetectionPostprocessor create(DetectionSpec spec) {
        return new DetectionPostprocessor(spec, spec.labels().map(Labels::load).orElse(List.of()));
    }

    /** A postprocessor with the given labels (empty: class indices as labels); the spec's labels file is ignored. */
    public static DetectionPostprocessor create(DetectionSpec spec, List<String> labels) {
        return new DetectionPostprocessor(Objects.requireNonNull(spec, "spec"), List.copyOf(labels));
    }

    /**
     * The outputs to read, in the order {@link #process} expects them: the one output of YOLOX / YOLOv8
     * (declared, or the model's only output), or SSD's scores, boxes and anchors.
     *
     * @throws InferenceException PIPELINE when a declared output is missing or the choice is ambiguous
     */
    public List<String> outputNames(List<String> modelOutputs) {
        if (spec.format() != DetectionSpec.Format.SSD) {
            return List.of(ClassificationPostprocessor.resolveOutput(spec.output().orElse(null), "detection.output",
                    modelOutputs));
        }
        return List.of(
                ClassificationPostprocessor.resolveOutput(spec.scoresOutput().orElseThrow(), "detection.scores", modelOutputs),
                ClassificationPostprocessor.resolveOutput(spec.boxesOutput().orElseThrow(), "detection.boxes", modelOutputs),
                ClassificationPostprocessor.resolveOutput(spec.anchorsOutput().orElseThrow(), "detection.anchors",
                        modelOutputs));
    }

    /**
     * Detections per image, in batch order.
     *
     * @param outputs the model outputs by name (at least those of {@link #outputNames})
     * @param transforms one per image in the batch, from {@link PreprocessedBatch#transforms()}
     * @throws InferenceException PIPELINE when an output is missing or its shape does not fit the format
     */
    public List<List<Detection>> process(Map<String, Tensor> outputs, List<ImageTransform> transforms) {
        if (transforms.isEmpty()) {
            throw new InferenceException(InferenceException.Code.PIPELINE,
                    "no image transforms given; pass one per image of the batch");
        }
        List<String> names = outputNames(List.copyOf(outputs.keySet()));
        List<List<Detection>> candidates = switch (spec.format()) {
            case YOLOX -> DetectionDecoders.yolox(outputs.get(names.get(0)), transforms, spec, labels);
            case YOLOV8 -> DetectionDecoders.yolov8(outputs.get(names.get(0)), transforms, spec, labels);
            case SSD -> DetectionDecoders.ssd(outputs.get(names.get(0)), outputs.get(names.get(1)),
                    outputs.get(names.get(2)), transforms, spec, labels);
        };
        List<List<Detection>> results = new ArrayList<>(candidates.size());
        for (List<Detection> perImage : candidates) {
            results.add(Nms.apply(perImage, spec.iouThreshold(), spec.classWise(), spec.maxDetections()));
        }
        return results;
    }

    /** {@link #process(Map, List)} for the single-output formats (YOLOX, YOLOv8). */
    public List<List<Detection>> process(Tensor output, List<ImageTransform> transforms) {
        if (spec.format() == DetectionSpec.Format.SSD) {
            throw new InferenceException(InferenceException.Code.PIPELINE,
                    "format ssd reads three outputs (scores, boxes, anchors); pass them by name");
        }
        return process(Map.of(spec.output().orElse("output"), output), transforms);
    }
}
