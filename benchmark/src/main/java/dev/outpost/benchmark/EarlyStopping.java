package dev.outpost.benchmark;

/**
 * MLPerf LoadGen's early-stopping estimate of a latency percentile (REFERENCE-INFERENCE.md 1.6): the
 * smallest order statistic that bounds the true percentile from above with the given confidence.
 * With {@code n} latencies, the number {@code X} of them below the true p-quantile is Binomial(n, p);
 * the k-th smallest latency is at least the quantile when {@code X <= k - 1}, so the estimate is the
 * k-th smallest for the smallest k with {@code P(X <= k - 1) >= confidence}. Equivalently LoadGen
 * discards the (n - k) slowest and reports the largest of the rest. With too few queries no such k
 * exists and there is no estimate. Stateless.
 */
public final class EarlyStopping {

    /** MLPerf's confidence. */
    public static final double CONFIDENCE = 0.99;

    private EarlyStopping() {
    }

    /**
     * The 1-based rank of the order statistic that estimates the percentile, or -1 when {@code n} is too
     * small for any.
     *
     * @param n number of latencies
     * @param percentile e.g. 90
     * @param confidence e.g. 0.99
     */
    public static long rank(long n, double percentile, double confidence) {
        if (n <= 0 || !(percentile > 0 && percentile < 100) || !(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("early stopping needs n > 0, 0 < percentile < 100 and 0 < confidence"
                    + " < 1; received n " + n + ", percentile " + percentile + ", confidence " + confidence);
        }
        double p = percentile / 100;
        double logOdds = Math.log(p / (1 - p));
        double logPmf = n * Math.log1p(-p);
        double logCdf = logPmf;
        double target = Math.log(confidence);
        // CDF(j) = P(X <= j); the estimate is the (j + 1)-th smallest for the smallest j with CDF(j) >= c
        for (long j = 0; j < n; j++) {
            if (logCdf >= target) {
                return j + 1;
            }
            logPmf += Math.log((double) (n - j) / (j + 1)) + logOdds;
            logCdf = logCdf > logPmf ? logCdf + Math.log1p(Math.exp(logPmf - logCdf))
                    : logPmf + Math.log1p(Math.exp(logCdf - logPmf));
        }
        return -1;
    }
}
