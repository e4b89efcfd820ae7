package dev.outpost.optimizer;

/**
 * Range choices from value histograms: percentile clipping and the KL-divergence (entropy) threshold
 * search (REFERENCE-INFERENCE.md 2.3). Stateless.
 */
final class Histograms {

    private Histograms() {
    }

    /**
     * Clips {@code (100 - percentile) / 2} percent of the values off each tail of a histogram over
     * {@code [lo, hi]}; a tail that holds nothing but the extreme itself keeps it.
     */
    static TensorRange percentile(long[] hist, double lo, double hi, double percentile) {
        long total = 0;
        for (long c : hist) {
            total += c;
        }
        if (total == 0 || hi <= lo) {
            return TensorRange.seen(lo, hi);
        }
        double tail = total * (100.0 - percentile) / 200.0;
        double width = (hi - lo) / hist.length;
        long cumulative = 0;
        int lower = 0;
        while (lower < hist.length && cumulative + hist[lower] <= tail) {
            cumulative += hist[lower++];
        }
        cumulative = 0;
        int upper = hist.length - 1;
        while (upper > 0 && cumulative + hist[upper] <= tail) {
            cumulative += hist[upper--];
        }
        double min = Math.max(lo, lo + lower * width);
        double max = Math.min(hi, lo + (upper + 1) * width);
        return new TensorRange(Math.min(min, max), Math.max(min, max), lo, hi);
    }

    /**
     * The threshold {@code t} minimizing KL(P || Q) between the histogram of absolute values clipped at
     * {@code t} (outliers folded into the last bin) and its simulation with {@code quantizedBins}
     * levels; the range is {@code [-t, t]} clipped to what was seen.
     */
    static TensorRange entropy(long[] absHist, double lo, double hi, int quantizedBinsSigned) {
        int bins = absHist.length;
        // a tensor that is never negative gets all 2 * n levels of the unsigned type on one side
        int quantizedBins = lo >= 0 ? Math.min(bins - 1, 2 * quantizedBinsSigned) : quantizedBinsSigned;
        double absMax = Math.max(Math.abs(lo), Math.abs(hi));
        if (absMax == 0 || bins <= quantizedBins) {
            return TensorRange.seen(lo, hi);
        }
        double best = Double.POSITIVE_INFINITY;
        int bestIndex = bins;
        int stride = Math.max(1, bins / 256);
        double[] p = new double[bins];
        double[] q = new double[bins];
        for (int i = quantizedBins; i <= bins; i += stride) {
            double outliers = 0;
            for (int k = i; k < bins; k++) {
                outliers += absHist[k];
            }
            for (int k = 0; k < i; k++) {
                p[k] = absHist[k];
            }
            p[i - 1] += outliers;
            for (int j = 0; j < quantizedBins; j++) {
                int start = (int) ((long) j * i / quantizedBins);
                int end = (int) ((long) (j + 1) * i / quantizedBins);
                double sum = 0;
                int nonZero = 0;
                for (int k = start; k < end; k++) {
                    sum += absHist[k];
                    if (absHist[k] != 0) {
                        nonZero++;
                    }
                }
                for (int k = start; k < end; k++) {
                    q[k] = absHist[k] != 0 ? sum / nonZero : 0;
                }
            }
            double kl = divergence(p, q, i);
            if (kl < best) {
                best = kl;
                bestIndex = i;
            }
        }
        double threshold = absMax * bestIndex / bins;
        return new TensorRange(Math.max(lo, -threshold), Math.min(hi, threshold), lo, hi);
    }

    /**
     * The range that minimizes the expected squared error of 8-bit quantization over a histogram of
     * {@code [lo, hi]}: both ends are shrunk by the same factor (1 %, 2 %, ... of the seen range, zero
     * kept inside); values beyond the range cost their clipping distance squared, values inside a
     * uniform rounding error of step² / 12.
     */
    static TensorRange mse(long[] hist, double lo, double hi, int levels) {
        if (hi <= lo) {
            return TensorRange.seen(lo, hi);
        }
        double width = (hi - lo) / hist.length;
        double lower = Math.min(lo, 0);
        double upper = Math.max(hi, 0);
        double best = Double.POSITIVE_INFINITY;
        double bestFactor = 1;
        for (int k = 100; k >= 1; k--) {
            double f = k / 100.0;
            double a = lower * f;
            double b = upper * f;
            double step = (b - a) / (levels - 1);
            double rounding = step * step / 12;
            double error = 0;
            for (int i = 0; i < hist.length; i++) {
                if (hist[i] == 0) {
                    continue;
                }
                double c = lo + (i + 0.5) * width;
                double d = c < a ? a - c : c > b ? c - b : 0;
                error += hist[i] * (d > 0 ? d * d : rounding);
            }
            if (error < best) {
                best = error;
                bestFactor = f;
            }
        }
        return new TensorRange(Math.max(lo, lower * bestFactor), Math.min(hi, upper * bestFactor), lo, hi);
    }

    /** KL(P || Q) over the first {@code n} bins after normalizing; bins where P is empty add nothing. */
    private static double divergence(double[] p, double[] q, int n) {
        double sumP = 0;
        double sumQ = 0;
        for (int k = 0; k < n; k++) {
            sumP += p[k];
            sumQ += q[k];
        }
        if (sumP == 0 || sumQ == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double kl = 0;
        double epsilon = 1e-10;
        for (int k = 0; k < n; k++) {
            if (p[k] > 0) {
                double pk = p[k] / sumP;
                double qk = Math.max(q[k] / sumQ, epsilon);
                kl += pk * Math.log(pk / qk);
            }
        }
        return kl;
    }
}
