package dev.outpost.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Greedy non-maximum suppression. Candidates are visited by descending score (ties: earlier candidate
 * first); a candidate is kept unless it overlaps an already kept box (of the same class when
 * class-wise) with IoU strictly greater than the threshold. Stops at the maximum count. Stateless.
 */
final class Nms {

    private Nms() {
    }

    static List<Detection> apply(List<Detection> candidates, float iouThreshold, boolean classWise, int maxDetections) {
        if (maxDetections < 1) {
            throw new IllegalArgumentException("max detections " + maxDetections + " must be >= 1");
        }
        List<Detection> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingDouble((Detection d) -> d.score()).reversed());
        List<Detection> kept = new ArrayList<>();
        for (Detection candidate : sorted) {
            boolean suppressed = false;
            for (Detection winner : kept) {
                if ((!classWise || winner.classIndex() == candidate.classIndex())
                        && candidate.iou(winner) > iouThreshold) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                kept.add(candidate);
                if (kept.size() == maxDetections) {
                    break;
                }
            }
        }
        return kept;
    }
}
