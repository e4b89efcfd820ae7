package dev.outpost.benchmark;

import dev.outpost.runtime.DType;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The per-core multiply-accumulate rates that "fraction of peak" divides by, one for FP32 and one for
 * 8-bit integer compute: measured here, or given by the user.
 *
 * <p>Measured means ONNX Runtime's own matrix-multiply kernels (MLAS) on one thread: a float
 * {@code MatMul} and a uint8 x int8 {@code MatMulInteger}, each {@value #M} x {@value #K} times
 * {@value #K} x {@value #N} (operands in L2), alternating for a short budget; the best round counts.
 * The right operand is an input, not a constant, so ONNX Runtime packs it on every run: K x N
 * element moves against M x K x N MACs, 1/{@value #M} of the work. These are the kernels a model's Conv, Gemm and MatMul end up in, with the widest vectors the
 * CPU has (AVX-512, VNNI, AMX, NEON dot products), so the fraction says how much of what the engine
 * can reach on this core a model reaches. On this project's AMD EPYC (AVX512-VNNI) one core gives
 * about 120 GMAC/s FP32 and 420 GMAC/s INT8. It is an achievable rate, not the datasheet peak.
 *
 * <p>A model mixing both is held against the time its MACs would take at these rates (integer MACs
 * at the INT8 rate, the rest at the FP32 rate). Where the INT8 rate is unknown (only
 * {@code --peak-gmacs} given), integer MACs count at the FP32 rate and the source says so.
 *
 * <p>Immutable and thread-safe.
 *
 * @param gmacsPerCore FP32 multiply-accumulates per nanosecond on one core
 * @param int8GmacsPerCore 8-bit integer multiply-accumulates per nanosecond on one core; NaN when unknown
 * @param source how they were obtained
 */
public record PeakCompute(double gmacsPerCore, double int8GmacsPerCore, String source) {

    /** Rows of the kernels' left operand. */
    static final int M = 256;
    /** The kernels' inner dimension. */
    static final int K = 256;
    /** Columns of the kernels' right operand (a constant, packed once by ONNX Runtime). */
    static final int N = 256;
    /** The float kernel's model, a resource next to this class. */
    static final String FP32_MODEL = "peak-fp32.onnx";
    /** The integer kernel's model. */
    static final String INT8_MODEL = "peak-int8.onnx";
    /** Kernel runs per timed round. */
    private static final int RUNS_PER_ROUND = 8;

    /** Requires a positive finite FP32 rate and a positive finite or NaN INT8 rate. */
    public PeakCompute {
        Objects.requireNonNull(source, "source");
        check(gmacsPerCore, "Peak compute");
        if (!Double.isNaN(int8GmacsPerCore)) {
            check(int8GmacsPerCore, "INT8 peak compute");
        }
    }

    private static void check(double rate, String what) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                    what + " is " + rate + " GMAC/s per core; expected a positive finite rate");
        }
    }

    /** An FP32 peak the user knows (a datasheet, a native micro-kernel); the INT8 peak stays unknown. */
    public static PeakCompute given(double gmacsPerCore) {
        return new PeakCompute(gmacsPerCore, Double.NaN, "given (--peak-gmacs; INT8 unknown, integer MACs held"
                + " against the FP32 rate)");
    }

    /** FP32 and INT8 peaks the user knows. */
    public static PeakCompute given(double gmacsPerCore, double int8GmacsPerCore) {
        return new PeakCompute(gmacsPerCore, int8GmacsPerCore, "given (--peak-gmacs, --peak-int8-gmacs)");
    }

    /**
     * Runs ONNX Runtime's FP32 and INT8 matrix-multiply kernels on one intra-op thread, on the calling
     * thread, for about {@code budgetMillis} in all (at least 50), alternating rounds of the two, and
     * returns each one's best rate.
     *
     * @throws dev.outpost.runtime.InferenceException when ONNX Runtime cannot open or run the kernels
     */
    public static PeakCompute measure(InferenceEngine engine, long budgetMillis) {
        Objects.requireNonNull(engine, "engine");
        long budget = Math.max(50, budgetMillis);
        SessionConfig oneThread = SessionConfig.builder().intraOpThreads(1).spinning(false).build();
        try (Kernel fp32 = new Kernel(engine, false, oneThread); Kernel int8 = new Kernel(engine, true, oneThread)) {
            fp32.round();
            int8.round(); // a first round each: ONNX Runtime allocates and packs on the first runs
            long deadline = System.nanoTime() + budget * 1_000_000L;
            double bestFp32 = 0;
            double bestInt8 = 0;
            do {
                bestFp32 = Math.max(bestFp32, fp32.round());
                bestInt8 = Math.max(bestInt8, int8.round());
            } while (System.nanoTime() < deadline);
            return new PeakCompute(bestFp32, bestInt8, "measured (ONNX Runtime MatMul and MatMulInteger " + M + "x"
                    + K + "x" + N + ", 1 thread, " + budget + " ms; an achievable rate, below the datasheet peak)");
        }
    }

    /**
     * The fraction of {@code threads} cores' peak that a model reaches: the time its MACs take at the
     * peak rates (integer MACs at the INT8 rate) over the time they took. NaN when the MACs are unknown (0).
     *
     * @param macsPerSample every MAC of one sample
     * @param integerMacsPerSample the part of them on 8-bit integers
     * @param samplesPerSecond the achieved rate
     */
    public double fractionOf(long macsPerSample, long integerMacsPerSample, double samplesPerSecond, int threads) {
        if (macsPerSample == 0) {
            return Double.NaN;
        }
        return macsPerSample / effectiveGmacsPerCore(macsPerSample, integerMacsPerSample) / 1e9 * samplesPerSecond
                / Math.max(1, threads);
    }

    /**
     * The per-core rate a model of this MAC mix would reach at peak: every MAC over the time they take at
     * the FP32 and INT8 rates. The FP32 rate for a float model (or when the MACs are unknown).
     */
    public double effectiveGmacsPerCore(long macsPerSample, long integerMacsPerSample) {
        if (macsPerSample <= 0 || integerMacsPerSample <= 0) {
            return gmacsPerCore;
        }
        double int8 = Double.isNaN(int8GmacsPerCore) ? gmacsPerCore : int8GmacsPerCore;
        long integer = Math.min(integerMacsPerSample, macsPerSample);
        double nanos = (macsPerSample - integer) / gmacsPerCore + integer / int8;
        return macsPerSample / nanos;
    }

    /**
     * One GEMM model (a class-path resource: {@code y = a x b}, both operands inputs, so the file is a
     * few bytes; {@code PeakKernelModelsTest} rebuilds it with the project's graph writer and checks it),
     * its session and its seeded operands; owns all three.
     */
    private static final class Kernel implements AutoCloseable {
        private final ModelSession session;
        private final List<Tensor> operands = new ArrayList<>();
        private final Map<String, Tensor> inputs;

        Kernel(InferenceEngine engine, boolean int8, SessionConfig config) {
            session = engine.open(resource(int8 ? INT8_MODEL : FP32_MODEL), config);
            try {
                SplittableRandom random = new SplittableRandom(1);
                Tensor a = operand(int8 ? DType.UINT8 : DType.FLOAT32, M, K, random);
                Tensor b = operand(int8 ? DType.INT8 : DType.FLOAT32, K, N, random);
                inputs = Map.of("a", a, "b", b);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private Tensor operand(DType type, int rows, int columns, SplittableRandom random) {
            Tensor tensor = Tensor.allocate(type, rows, columns);
            operands.add(tensor);
            ByteBuffer data = tensor.buffer();
            for (int i = 0; i < rows * columns; i++) {
                if (type == DType.FLOAT32) {
                    data.putFloat(i * Float.BYTES, random.nextFloat() - 0.5f);
                } else {
                    data.put(i, (byte) random.nextInt(256));
                }
            }
            return tensor;
        }

        /** GMAC/s of one timed round. */
        double round() {
            long start = System.nanoTime();
            for (int run = 0; run < RUNS_PER_ROUND; run++) {
                try (Outputs outputs = session.run(inputs)) {
                    Objects.requireNonNull(outputs);
                }
            }
            long elapsed = Math.max(1, System.nanoTime() - start);
            return (double) RUNS_PER_ROUND * M * K * N / elapsed;
        }

        @Override
        public void close() {
            operands.forEach(Tensor::close);
            session.close();
        }

        private static byte[] resource(String name) {
            try (InputStream in = PeakCompute.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("Peak kernel " + name + " is missing from the class path");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read peak kernel " + name, e);
            }
        }
    }
}
