package dev.outpost.benchmark;

import java.util.Objects;

/**
 * The per-core multiply-accumulate rate that "fraction of peak" divides by: measured here with a short
 * Java FP32 FMA kernel, or given by the user. The kernel keeps 4096 floats (16 KiB, in L1) and applies
 * eight dependent {@code Math.fma} per element between a load and a store, which the JIT vectorises
 * with the widest vectors it uses; on this project's Xeon (AVX-512) it reaches about 90 GMAC/s per
 * pinned core, above the 58.7 of the AVX2 C kernel in REFERENCE-INFERENCE.md §1.5. It is still a
 * measured achievable rate, not the datasheet peak (2 FMA units x 16 lanes x clock would be higher),
 * and it underestimates wherever the JIT does not use the CPU's widest vectors; INT8 (VNNI, AMX)
 * peaks are higher still, so the fraction of an INT8 model reads high. Give {@code --peak-gmacs} for
 * a datasheet or native-kernel figure.
 *
 * <p>Immutable and thread-safe.
 *
 * @param gmacsPerCore FP32 multiply-accumulates per nanosecond on one core
 * @param source how it was obtained
 */
public record PeakCompute(double gmacsPerCore, String source) {

    /** Kernel vector length: 16 KiB of floats, in L1. */
    static final int LANES = 4096;
    /** Dependent FMAs per element between its load and store. */
    static final int DEPTH = 8;

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
        int repeats = 16;
        double best = 0;
        while (System.nanoTime() < deadline) {
            long start = System.nanoTime();
            kernel(accumulators, repeats);
            long elapsed = System.nanoTime() - start;
            best = Math.max(best, (double) repeats * LANES * DEPTH / Math.max(1, elapsed));
            if (elapsed < 2_000_000) {
                repeats *= 2;
            }
        }
        if (!(accumulators[0] > 0)) {
            // Keeps the result observable so the JIT cannot drop the kernel; the values stay in (0, 2).
            throw new IllegalStateException("FMA kernel produced " + accumulators[0]);
        }
        return new PeakCompute(best, "measured (Java FP32 FMA kernel, 1 thread, " + Math.max(50, budgetMillis)
                + " ms; an achievable rate, below the datasheet peak)");
    }

    /** {@code repeats * length * DEPTH} fused multiply-adds; the values converge to 1 and never overflow. */
    static void kernel(float[] accumulators, int repeats) {
        for (int r = 0; r < repeats; r++) {
            for (int i = 0; i < accumulators.length; i++) {
                float x = accumulators[i];
                x = Math.fma(x, 0.5f, 0.5f);
                x = Math.fma(x, 0.5f, 0.5f);
                x = Math.fma(x, 0.5f, 0.5f);
                x = Math.fma(x, 0.5f, 0.5f);
                x = Math.fma(x, 0.5f, 0.5f);
                x = Math.fma(x, 0.5f, 0.5f);
                x = Math.fma(x, 0.5f, 0.5f);
                x = Math.fma(x, 0.5f, 0.5f);
                accumulators[i] = x;
            }
        }
    }

    /** The fraction of {@code threads} cores' peak that {@code achievedGmacs} reaches. */
    public double fractionOf(double achievedGmacs, int threads) {
        return achievedGmacs / (gmacsPerCore * Math.max(1, threads));
    }
}
