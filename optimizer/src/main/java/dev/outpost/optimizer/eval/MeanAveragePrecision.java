package dev.outpost.optimizer.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Detection accuracy: VOC-style all-point average precision per class, averaged over the classes
 * that have ground truth (mAP), the way shared/models/SOURCES.md measured its reference figures.
 *
 * <p>Matching, per class: predictions are visited by descending score (ties: given order); each is
 * matched to the ground-truth box of its image and class with the highest IoU. It is a true positive
 * when that IoU is at least the threshold and that box was not matched before; otherwise a false
 * positive (a second detection of a matched box counts as false). AP is the area under the
 * precision-recall curve after making precision monotone (all points, VOC 2010+). Classes without
 * ground truth are left out of the mean. mAP@0.5:0.95 is the mean of mAP at IoU 0.50, 0.55, ..., 0.95
 * (COCO's thresholds with VOC's all-point interpolation, not COCO's 101-point one).
 *
 * <p>Stateless and thread-safe.
 */
final class MeanAveragePrecision {

    private MeanAveragePrecision() {
    }

    /**
     * A ground-truth box of one image.
     *
     * @param image the image's index in the data set
     * @param box the box
     */
    record Truth(int image, Box box) {
        Truth {
            Objects.requireNonNull(box, "box");
        }
    }

    /**
     * A predicted box of one image.
     *
     * @param image the image's index in the data set
     * @param score the confidence (not NaN)
     * @param box the box
     */
    record Scored(int image, double score, Box box) {
        Scored {
            Objects.requireNonNull(box, "box");
            if (Double.isNaN(score)) {
                throw new IllegalArgumentException("prediction score is NaN for image " + image);
            }
        }
    }

    /** All-point average precision of one class at an IoU threshold; NaN when the class has no ground truth. */
    static double averagePrecision(List<Truth> truths, List<Scored> predictions, int classIndex, double iouThreshold) {
        Map<Integer, List<Box>> truthByImage = new HashMap<>();
        int positives = 0;
        for (Truth truth : truths) {
            if (truth.box().classIndex() == classIndex) {
                truthByImage.computeIfAbsent(truth.image(), image -> new ArrayList<>()).add(truth.box());
                positives++;
            }
        }
        if (positives == 0) {
            return Double.NaN;
        }
        List<Scored> ranked = new ArrayList<>();
        for (Scored prediction : predictions) {
            if (prediction.box().classIndex() == classIndex) {
                ranked.add(prediction);
            }
        }
        ranked.sort(Comparator.comparingDouble(Scored::score).reversed());
        Map<Integer, boolean[]> matched = new HashMap<>();
        double[] precision = new double[ranked.size()];
        double[] recall = new double[ranked.size()];
        int truePositives = 0;
        for (int i = 0; i < ranked.size(); i++) {
            Scored prediction = ranked.get(i);
            List<Box> candidates = truthByImage.getOrDefault(prediction.image(), List.of());
            int best = -1;
            double bestIou = -1;
            for (int t = 0; t < candidates.size(); t++) {
                double overlap = prediction.box().iou(candidates.get(t));
                if (overlap > bestIou) {
                    bestIou = overlap;
                    best = t;
                }
            }
            if (best >= 0 && bestIou >= iouThreshold) {
                boolean[] used = matched.computeIfAbsent(prediction.image(), image -> new boolean[candidates.size()]);
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

    /**
     * Mean AP over the classes that have ground truth, at one IoU threshold (mAP@0.5 with 0.5).
     *
     * @throws IllegalArgumentException when there is no ground truth at all
     */
    static double meanAveragePrecision(List<Truth> truths, List<Scored> predictions, double iouThreshold) {
        TreeSet<Integer> classes = new TreeSet<>();
        truths.forEach(truth -> classes.add(truth.box().classIndex()));
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("no ground-truth boxes; mAP is undefined");
        }
        double sum = 0;
        for (int classIndex : classes) {
            sum += averagePrecision(truths, predictions, classIndex, iouThreshold);
        }
        return sum / classes.size();
    }

    /** COCO's thresholds: the mean of {@link #meanAveragePrecision} at IoU 0.50, 0.55, ..., 0.95. */
    static double meanAveragePrecision50to95(List<Truth> truths, List<Scored> predictions) {
        double sum = 0;
        for (int step = 0; step < 10; step++) {
            sum += meanAveragePrecision(truths, predictions, (50 + 5 * step) / 100.0);
        }
        return sum / 10;
    }
}
