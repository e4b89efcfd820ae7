package dev.outpost.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decoders for the {@link DetectionSpec.Format detection formats}: output tensors to candidate
 * detections (best class per anchor, score threshold applied) in original-image pixels, clipped.
 * Stateless.
 */
final class DetectionDecoders {

    private DetectionDecoders() {
    }

    static List<List<Detection>> yolox(Tensor output, List<ImageTransform> transforms, DetectionSpec spec,
            List<String> labels) {
        int batch = checkBatch(output, 3, transforms, "yolox output [N, anchors, 5 + classes]");
        ImageTransform first = transforms.getFirst();
        int rows = Math.toIntExact(output.dim(1));
        int width = Math.toIntExact(output.dim(2));
        int classes = width - 5;
        int expectedRows = 0;
        for (int stride : spec.strides()) {
            expectedRows += (first.inputWidth() / stride) * (first.inputHeight() / stride);
        }
        if (classes < 1 || rows != expectedRows) {
            throw fail("yolox output " + output + " does not fit a " + first.inputWidth() + "x" + first.inputHeight()
                    + " input with strides " + spec.strides() + "; expected [N, " + expectedRows + ", 5 + classes]");
        }
        checkLabels(labels, classes, output);
        float[] values = output.toFloatArray();
        List<List<Detection>> results = new ArrayList<>(batch);
        for (int n = 0; n < batch; n++) {
            ImageTransform transform = transforms.get(n);
            List<Detection> found = new ArrayList<>();
            int row = 0;
            for (int stride : spec.strides()) {
                int gridW = transform.inputWidth() / stride;
                int gridH = transform.inputHeight() / stride;
                for (int gy = 0; gy < gridH; gy++) {
                    for (int gx = 0; gx < gridW; gx++, row++) {
                        int at = (n * rows + row) * width;
                        float objectness = values[at + 4];
                        if (objectness < spec.scoreThreshold()) {
                            continue;
                        }
                        int best = argmax(values, at + 5, classes);
                        float score = objectness * values[at + 5 + best];
                        if (score < spec.scoreThreshold()) {
                            continue;
                        }
                        double cx = (values[at] + gx) * stride;
                        double cy = (values[at + 1] + gy) * stride;
                        double w = Math.exp(values[at + 2]) * stride;
                        double h = Math.exp(values[at + 3]) * stride;
                        add(found, best, score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, transform, labels);
                    }
                }
            }
            results.add(found);
        }
        return results;
    }

    static List<List<Detection>> yolov8(Tensor output, List<ImageTransform> transforms, DetectionSpec spec,
            List<String> labels) {
        int batch = checkBatch(output, 3, transforms, "yolov8 output [N, 4 + classes, anchors]");
        int channels = Math.toIntExact(output.dim(1));
        int anchors = Math.toIntExact(output.dim(2));
        int classes = channels - 4;
        if (classes < 1) {
            throw fail("yolov8 output " + output + " has " + channels + " rows; expected [N, 4 + classes, anchors]"
                    + " with at least one class");
        }
        checkLabels(labels, classes, output);
        float[] values = output.toFloatArray();
        List<List<Detection>> results = new ArrayList<>(batch);
        for (int n = 0; n < batch; n++) {
            ImageTransform transform = transforms.get(n);
            int base = n * channels * anchors;
            List<Detection> found = new ArrayList<>();
            for (int a = 0; a < anchors; a++) {
                int best = 0;
                float score = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    float value = values[base + (4 + c) * anchors + a];
                    if (value > score) {
                        score = value;
                        best = c;
                    }
                }
                if (score < spec.scoreThreshold()) {
                    continue;
                }
                double cx = values[base + a];
                double cy = values[base + anchors + a];
                double w = values[base + 2 * anchors + a];
                double h = values[base + 3 * anchors + a];
                add(found, best, score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, transform, labels);
            }
            results.add(found);
        }
        return results;
    }

    static List<List<Detection>> ssd(Tensor scores, Tensor boxes, Tensor anchors, List<ImageTransform> transforms,
            DetectionSpec spec, List<String> labels) {
        int batch = checkBatch(scores, 3, transforms, "ssd scores [N, anchors, 1 + classes]");
        int count = Math.toIntExact(scores.dim(1));
        int columns = Math.toIntExact(scores.dim(2));
        int classes = columns - 1;
        long[] boxShape = {batch, count, 4};
        if (classes < 1 || !Arrays.equals(boxes.shape(), boxShape)
                || anchors.rank() != 3 || anchors.dim(1) != count || anchors.dim(2) != 4
                || (anchors.dim(0) != batch && anchors.dim(0) != 1)) {
            throw fail("ssd outputs do not fit: scores " + scores + ", boxes " + boxes + ", anchors " + anchors
                    + "; expected scores [N, A, 1 + classes], boxes [N, A, 4], anchors [N or 1, A, 4]");
        }
        checkLabels(labels, classes, scores);
        float[] scoreValues = scores.toFloatArray();
        float[] offsets = boxes.toFloatArray();
        float[] anchorValues = anchors.toFloatArray();
        List<List<Detection>> results = new ArrayList<>(batch);
        for (int n = 0; n < batch; n++) {
            ImageTransform transform = transforms.get(n);
            int anchorBase = anchors.dim(0) == 1 ? 0 : n * count * 4;
            List<Detection> found = new ArrayList<>();
            for (int a = 0; a < count; a++) {
                int at = (n * count + a) * columns;
                int best = argmax(scoreValues, at + 1, classes);
                float score = scoreValues[at + 1 + best];
                if (score < spec.scoreThreshold()) {
                    continue;
                }
                int box = (n * count + a) * 4;
                int anchor = anchorBase + a * 4;
                double ax1 = anchorValues[anchor];
                double ay1 = anchorValues[anchor + 1];
                double ax2 = anchorValues[anchor + 2];
                double ay2 = anchorValues[anchor + 3];
                double aw = ax2 - ax1;
                double ah = ay2 - ay1;
                double x1 = offsets[box] * aw + ax1;
                double y1 = offsets[box + 1] * ah + ay1;
                double x2 = offsets[box + 2] * aw + ax2;
                double y2 = offsets[box + 3] * ah + ay2;
                add(found, best, score, x1 * transform.inputWidth(), y1 * transform.inputHeight(),
                        x2 * transform.inputWidth(), y2 * transform.inputHeight(), transform, labels);
            }
            results.add(found);
        }
        return results;
    }

    /** Maps an input-pixel box back to the original image, clips it, and keeps it unless empty. */
    private static void add(List<Detection> found, int classIndex, float score, double x1, double y1, double x2,
            double y2, ImageTransform transform, List<String> labels) {
        double left = clip(transform.toOriginalX(Math.min(x1, x2)), transform.originalWidth());
        double right = clip(transform.toOriginalX(Math.max(x1, x2)), transform.originalWidth());
        double top = clip(transform.toOriginalY(Math.min(y1, y2)), transform.originalHeight());
        double bottom = clip(transform.toOriginalY(Math.max(y1, y2)), transform.originalHeight());
        if (right > left && bottom > top && Float.isFinite(score)) {
            found.add(new Detection(classIndex, Labels.of(labels, classIndex), score,
                    (float) left, (float) top, (float) right, (float) bottom));
        }
    }

    private static double clip(double value, int limit) {
        return Double.isNaN(value) ? 0 : Math.clamp(value, 0.0, limit);
    }

    private static int argmax(float[] values, int from, int count) {
        int best = 0;
        for (int c = 1; c < count; c++) {
            if (values[from + c] > values[from + best]) {
                best = c;
            }
        }
        return best;
    }

    private static int checkBatch(Tensor output, int rank, List<ImageTransform> transforms, String expected) {
        if (output == null) {
            throw fail("missing output; expected " + expected);
        }
        if (output.rank() != rank) {
            throw fail("output " + output + " has rank " + output.rank() + "; expected " + expected);
        }
        if (output.dim(0) != transforms.size()) {
            throw fail("output " + output + " holds " + output.dim(0) + " images but " + transforms.size()
                    + " image transforms were given");
        }
        return transforms.size();
    }

    private static void checkLabels(List<String> labels, int classes, Tensor output) {
        if (!labels.isEmpty() && labels.size() != classes) {
            throw fail("output " + output + " has " + classes + " classes but " + labels.size() + " labels were given");
        }
    }

    private static InferenceException fail(String message) {
        return new InferenceException(InferenceException.Code.PIPELINE, message);
    }
}
