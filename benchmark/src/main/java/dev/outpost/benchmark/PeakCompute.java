package dev.outpost.benchmark;

import java.util.Objects;

/**
 * The per-core multiply-accumulate rate that "fraction of peak" divides by: measured here with a short
 * Java FP32 FMA kernel, or given by the user. The Java kernel is honest but low: the JIT vectorises it
 * (one {@code vfmadd} per vector of floats), yet each FMA also loads and stores its accumulator, so it
 * reaches roughly half of the FMA units' hardware peak on recent x86 cores (REFERENCE-INFERENCE.md
 * §1.5 measured 58.7 GMAC/s per core with a C kernel on this kind of machine). Fractions of a measured
 * peak therefore read high; give {@code --peak-gmacs} from a native kernel or the CPU's datasheet for
 * a true hardware fraction.
 *
 * <p>Immutable and thread-safe.
 *
 * @param gmacsPerCore FP32 multiply-accumulates per nanosecond on one core
 * @param source how it was obtained
 */
public record PeakCompute(double gmacsPerCore, String source) {

    /** Kernel vector length: 1 KiB of floats, in L1. */
    static final int LANES = 256;

    /** Requires a positive finite rate. */
    public PeakCompute {
        Objects.requireNonNull(source, "source");
        if (!(gmacsPerCore > 0) || Double.isInfinite(gmacsPerCore)) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                    "Peak compute is " + gmacsPerCore + " GMAC/s per core; expected a positive finite rate");
        }
    }

    /** A peak the user knows (a datasheet, a native micro-kernel). */
    public static PeakCompute given(double gmacsPerCore) {
        return new PeakCompute(gmacsPerCore, "given (--peak-gmacs)");
    }

    /**
     * Runs the Java FMA kernel on the calling thread for about {@code budgetMillis} (at least 50) and
     * returns its best rate over several rounds, after a warm-up that lets the JIT compile it.
     */
    public static PeakCompute measure(long budgetMillis) {
        long budget = Math.max(50, budgetMillis) * 1_000_000L;
        float[] accumulators = new float[LANES];
        java.util.Arrays.fill(accumulators, 1f);
        long deadline = System.nanoTime() + budget;
        int repeats = 1_000;
        double best = 0;
        while (System.nanoTime() < deadline) {
            long start = System.nanoTime();
            kernel(accumulators, repeats);
            long elapsed = System.nanoTime() - start;
            best = Math.max(best, (double) repeats * LANES / Math.max(1, elapsed));
            if (elapsed < 2_000_000) {
                repeats *= 2;
            }
        }
        if (!(accumulators[0] > 0)) {
            // Keeps the result observable so the JIT cannot drop the kernel; the values stay in (0, 2).
            throw new IllegalStateException("FMA kernel produced " + accumulators[0]);
        }
        return new PeakCompute(best, "measured (Java FP32 FMA kernel, 1 thread, " + Math.max(50, budgetMillis)
                + " ms; underestimates the hardware peak)");
    }

    /** {@code repeats * LANES} fused multiply-adds; the accumulators converge to 1 and never overflow. */
    static void kernel(float[] accumulators, int repeats) {
        for (int r = 0; r < repeats; r++) {
            for (int i = 0; i < accumulators.length; i++) {
                accumulators[i] = Math.fma(accumulators[i], 0.5f, 0.5f);
            }
        }
    }

    /** The fraction of {@code threads} cores' peak that {@code achievedGmacs} reaches. */
    public double fractionOf(double achievedGmacs, int threads) {
        return achievedGmacs / (gmacsPerCore * Math.max(1, threads));
    }
}
