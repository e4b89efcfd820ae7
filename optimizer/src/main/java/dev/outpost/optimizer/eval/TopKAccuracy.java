package dev.outpost.optimizer.eval;

import java.util.List;

/**
 * Counts top-1 and top-k hits of ranked class predictions against labels. Not thread-safe.
 */
final class TopKAccuracy {

    private final int k;
    private int samples;
    private int top1;
    private int topK;

    /** @param k how many of the best classes count as a top-k hit (&gt;= 1) */
    TopKAccuracy(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k " + k + " must be >= 1");
        }
        this.k = k;
    }

    /**
     * Adds one sample.
     *
     * @param ranked class indices, best first (at least one)
     * @param label the true class
     */
    void add(List<Integer> ranked, int label) {
        if (ranked.isEmpty()) {
            throw new IllegalArgumentException("no ranked classes for a sample with label " + label);
        }
        samples++;
        if (ranked.getFirst() == label) {
            top1++;
        }
        if (ranked.stream().limit(k).anyMatch(index -> index == label)) {
            topK++;
        }
    }

    /** Samples added. */
    int samples() {
        return samples;
    }

    /** Fraction of samples whose best class is the label; NaN before any sample. */
    double top1() {
        return samples == 0 ? Double.NaN : top1 / (double) samples;
    }

    /** Fraction of samples whose label is among the k best classes; NaN before any sample. */
    double topK() {
        return samples == 0 ? Double.NaN : topK / (double) samples;
    }
}
