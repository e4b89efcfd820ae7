package dev.outpost.benchmark;

import java.util.SplittableRandom;

/**
 * Arrival times of a Poisson process: exponential inter-arrival gaps of mean {@code 1/rate}, from a
 * seeded generator so a run's schedule can be repeated exactly. Not thread-safe.
 */
final class PoissonArrivals {

    private final double meanGapNanos;
    private final SplittableRandom random;
    private double nextOffsetNanos;

    /**
     * @param ratePerSecond arrivals per second, positive and finite
     * @param seed seed of the gaps
     */
    PoissonArrivals(double ratePerSecond, long seed) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                    "Poisson rate is " + ratePerSecond + " per second; expected a positive finite rate");
        }
        this.meanGapNanos = 1e9 / ratePerSecond;
        this.random = new SplittableRandom(seed);
    }

    /** The next gap in nanoseconds: {@code -ln(1-U) * mean} for U uniform in [0,1). */
    double nextGapNanos() {
        return -Math.log1p(-random.nextDouble()) * meanGapNanos;
    }

    /** The next arrival's offset from time zero in nanoseconds; the first is one gap after zero. */
    long nextOffsetNanos() {
        nextOffsetNanos += nextGapNanos();
        return (long) nextOffsetNanos;
    }
}
