package dev.outpost.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Object-detection postprocessing: output format, which outputs to read, thresholds, NMS and labels.
 * Part of a {@link PipelineSpec}. Boxes are reported in the original image's pixels.
 *
 * <p>Formats:
 * <ul>
 *   <li>{@link Format#YOLOX}: one output {@code [N, A, 5 + C]} over the grid cells of every stride
 *       (row-major, strides in order); each row is {@code tx, ty, tw, th, obj, class scores} with obj
 *       and class scores already sigmoided. {@code x = (tx + gx) * s}, {@code w = exp(tw) * s};
 *       score = obj * class score.</li>
 *   <li>{@link Format#YOLOV8}: one output {@code [N, 4 + C, A]}: {@code cx, cy, w, h} in input pixels
 *       followed by the class scores; no objectness.</li>
 *   <li>{@link Format#SSD}: three outputs: scores {@code [N, A, C + 1]} (background at 0), box offsets
 *       {@code [N, A, 4]} and anchors {@code [N, A, 4]} ({@code x1, y1, x2, y2}, normalized);
 *       {@code x1 = d0 * aw + ax1, y1 = d1 * ah + ay1, x2 = d2 * aw + ax2, y2 = d3 * ah + ay2} in
 *       normalized input coordinates. Score column {@code k} is class {@code k - 1}.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * @param format the output format
 * @param output the single output of YOLOX / YOLOv8 (empty: the model's only output); empty for SSD
 * @param scoresOutput SSD only: the scores output
 * @param boxesOutput SSD only: the box offsets output
 * @param anchorsOutput SSD only: the anchors output
 * @param strides YOLOX only: the grid strides in output order (default 8, 16, 32)
 * @param scoreThreshold detections scoring below this are dropped (0..1)
 * @param iouThreshold NMS suppresses a box overlapping a kept one by more than this (0..1)
 * @param maxDetections at most this many detections per image (&gt;= 1)
 * @param classWise true: NMS per class; false: across classes
 * @param labels a labels file (one label per line), if any
 */
public record DetectionSpec(Format format, Optional<String> output, Optional<String> scoresOutput,
        Optional<String> boxesOutput, Optional<String> anchorsOutput, List<Integer> strides,
        float scoreThreshold, float iouThreshold, int maxDetections, boolean classWise,
        Optional<Path> labels) implements OutputSpec {

    /** Supported detector output formats. */
    public enum Format {
        /** YOLOX grid output (strides, exp sizes, sigmoided obj and class scores). */
        YOLOX,
        /** YOLOv8 transposed output of centre-size boxes and class scores. */
        YOLOV8,
        /** SSD scores, box offsets and anchors (STM32 model zoo decoding). */
        SSD
    }

    /** The default YOLOX strides. */
    public static final List<Integer> DEFAULT_STRIDES = List.of(8, 16, 32);

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public DetectionSpec {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(scoresOutput, "scoresOutput");
        Objects.requireNonNull(boxesOutput, "boxesOutput");
        Objects.requireNonNull(anchorsOutput, "anchorsOutput");
        Objects.requireNonNull(labels, "labels");
        strides = List.copyOf(strides);
        if (format == Format.SSD) {
            if (output.isPresent()) {
                throw new IllegalArgumentException("format ssd reads three outputs (scores, boxes, anchors),"
                        + " not a single output '" + output.get() + "'");
            }
            if (scoresOutput.isEmpty() || boxesOutput.isEmpty() || anchorsOutput.isEmpty()) {
                throw new IllegalArgumentException("format ssd needs the names of the scores, boxes and anchors"
                        + " outputs; got scores=" + scoresOutput.orElse("(none)") + ", boxes="
                        + boxesOutput.orElse("(none)") + ", anchors=" + anchorsOutput.orElse("(none)"));
            }
        } else if (scoresOutput.isPresent() || boxesOutput.isPresent() || anchorsOutput.isPresent()) {
            throw new IllegalArgumentException("scores/boxes/anchors outputs are for format ssd only; format "
                    + format.name().toLowerCase(java.util.Locale.ROOT) + " reads one output");
        }
        if (strides.isEmpty() || strides.stream().anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException("strides " + strides + " must be a non-empty list of values > 0");
        }
        if (!(scoreThreshold >= 0f && scoreThreshold <= 1f)) {
            throw new IllegalArgumentException("score threshold " + scoreThreshold + " must be in 0..1");
        }
        if (!(iouThreshold >= 0f && iouThreshold <= 1f)) {
            throw new IllegalArgumentException("IoU threshold " + iouThreshold + " must be in 0..1");
        }
        if (maxDetections < 1) {
            throw new IllegalArgumentException("max detections " + maxDetections + " must be >= 1");
        }
    }
}
