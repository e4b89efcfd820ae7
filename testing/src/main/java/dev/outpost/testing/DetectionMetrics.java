package dev.outpost.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Detection accuracy as in {@code shared/models/SOURCES.md}: VOC-style all-point average precision
 * per class, averaged over the classes that have ground truth (mAP).
 *
 * <p>Matching, per class: predictions are visited by descending score (ties: given order); each one
 * is matched to the ground-truth box of its image and class with the highest IoU. It is a true
 * positive when that IoU is at least the threshold and that box was not matched before; otherwise a
 * false positive (a second detection of a matched box counts as false). AP is the area under the
 * precision-recall curve after making precision monotone (all points, VOC 2010+). Classes without
 * ground truth are left out of the mean (their predictions are simply unmatched). Boxes use continuous
 * pixel coordinates (area = width * height, no +1). Stateless and thread-safe.
 */
public final class DetectionMetrics {

    private DetectionMetrics() {
    }

    /**
     * A ground-truth box of one image.
     *
     * @param imageId the image
     * @param classIndex the class
     * @param box the box (its class must equal {@code classIndex})
     */
    public record Truth(String imageId, int classIndex, Datasets.Box box) {
        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public Truth {
            Objects.requireNonNull(imageId, "imageId");
            Objects.requireNonNull(box, "box");
            if (box.classIndex() != classIndex) {
                throw new IllegalArgumentException("truth class " + classIndex + " differs from its box's " + box.classIndex());
            }
        }

        /** A truth from a data set box. */
        public static Truth of(String imageId, Datasets.Box box) {
            return new Truth(imageId, box.classIndex(), box);
        }
    }

    /**
     * A predicted box of one image with its score.
     *
     * @param imageId the image
     * @param score the confidence
     * @param box the box and class
     */
    public record Prediction(String imageId, double score, Datasets.Box box) {
        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public Prediction {
            Objects.requireNonNull(imageId, "imageId");
            Objects.requireNonNull(box, "box");
            if (Double.isNaN(score)) {
                throw new IllegalArgumentException("prediction score is NaN for image " + imageId);
            }
        }
    }

    /** Intersection over union of two boxes (0 when either is empty). */
    public static double iou(Datasets.Box a, Datasets.Box b) {
        double ix = Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1());
        double iy = Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1());
        if (ix <= 0 || iy <= 0) {
            return 0;
        }
        double intersection = ix * iy;
        double union = (a.x2() - a.x1()) * (a.y2() - a.y1()) + (b.x2() - b.x1()) * (b.y2() - b.y1()) - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    /** All-point average precision of one class at an IoU threshold; NaN when the class has no ground truth. */
    public static double averagePrecision(List<Truth> truths, List<Prediction> predictions, int classIndex,
            double iouThreshold) {
        Map<String, List<Datasets.Box>> truthByImage = new HashMap<>();
        int positives = 0;
        for (Truth truth : truths) {
            if (truth.classIndex() == classIndex) {
                truthByImage.computeIfAbsent(truth.imageId(), id -> new ArrayList<>()).add(truth.box());
                positives++;
            }
        }
        if (positives == 0) {
            return Double.NaN;
        }
        List<Prediction> ranked = new ArrayList<>();
        for (Prediction prediction : predictions) {
            if (prediction.box().classIndex() == classIndex) {
                ranked.add(prediction);
            }
        }
        ranked.sort(Comparator.comparingDouble(Prediction::score).reversed());
        Map<String, boolean[]> matched = new HashMap<>();
        double[] precision = new double[ranked.size()];
        double[] recall = new double[ranked.size()];
        int truePositives = 0;
        for (int i = 0; i < ranked.size(); i++) {
            Prediction prediction = ranked.get(i);
            List<Datasets.Box> candidates = truthByImage.getOrDefault(prediction.imageId(), List.of());
            int best = -1;
            double bestIou = -1;
            for (int t = 0; t < candidates.size(); t++) {
                double overlap = iou(prediction.box(), candidates.get(t));
                if (overlap > bestIou) {
                    bestIou = overlap;
                    best = t;
                }
            }
            if (best >= 0 && bestIou >= iouThreshold) {
                boolean[] used = matched.computeIfAbsent(prediction.imageId(), id -> new boolean[candidates.size()]);
                if (!used[best]) {
                    used[best] = true;
                    truePositives++;
                }
            }
            precision[i] = truePositives / (double) (i + 1);
            recall[i] = truePositives / (double) positives;
        }
        // Monotone precision: the best precision at this rank or any later one, in one pass from the end.
        for (int i = ranked.size() - 2; i >= 0; i--) {
            precision[i] = Math.max(precision[i], precision[i + 1]);
        }
        double ap = 0;
        double previousRecall = 0;
        for (int i = 0; i < ranked.size(); i++) {
            if (recall[i] > previousRecall) {
                ap += (recall[i] - previousRecall) * precision[i];
                previousRecall = recall[i];
            }
        }
        return ap;
    }

    /** Mean AP over the classes that have ground truth, at one IoU threshold (mAP@0.5 with 0.5). */
    public static double meanAveragePrecision(List<Truth> truths, List<Prediction> predictions, double iouThreshold) {
        TreeSet<Integer> classes = new TreeSet<>();
        truths.forEach(truth -> classes.add(truth.classIndex()));
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("no ground truth boxes; mAP is undefined");
        }
        double sum = 0;
        for (int classIndex : classes) {
            sum += averagePrecision(truths, predictions, classIndex, iouThreshold);
        }
        return sum / classes.size();
    }

    /** COCO-style mAP@0.5:0.95: the mean of {@link #meanAveragePrecision} at IoU 0.50, 0.55, ..., 0.95. */
    public static double meanAveragePrecision50to95(List<Truth> truths, List<Prediction> predictions) {
        double sum = 0;
        for (int step = 0; step < 10; step++) {
            sum += meanAveragePrecision(truths, predictions, (50 + 5 * step) / 100.0);
        }
        return sum / 10;
    }
}
