package dev.outpost.benchmark;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one benchmark of one model measured. {@link BenchJson} writes it as JSON (schema
 * {@value BenchJson#SCHEMA}), {@link TerminalReport} as a table, and {@link Sla} checks budgets on it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param model the model file as given
 * @param modelSizeBytes the file's size
 * @param settings the load of each repetition
 * @param batch samples per model run
 * @param inputs {@code "random (seed N)"} or the .npy folder
 * @param environment machine, JVM, runtime and session settings, command line
 * @param warmLoadNanos opening the model in this process (engine and native library already loaded)
 * @param coldStart the fresh-process timings, when measured
 * @param warmUp the warm-up phase (first-inference latency)
 * @param runs the repetitions, in order
 * @param noise the spread of the scenario's metric over the repetitions
 * @param memory the process's memory after the runs (peaks cover the whole process life)
 * @param peak the per-core compute peak used for the fraction of peak
 * @param macsPerSample MACs of one sample, 0 if unknown
 * @param integerMacsPerSample the part of them computed on 8-bit integers
 * @param harnessOverheadNanos the load generator's own cost per query (a closed loop on a SUT that does nothing)
 */
public record BenchReport(String model, long modelSizeBytes, RunSettings settings, int batch, String inputs,
        Environment environment, long warmLoadNanos, Optional<ColdStartResult> coldStart, WarmUp warmUp,
        List<RepeatRun> runs, Noise noise, MemorySnapshot memory, PeakCompute peak, long macsPerSample,
        long integerMacsPerSample, double harnessOverheadNanos) {

    /** Requires every part and at least one run. */
    public BenchReport {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(coldStart, "coldStart");
        Objects.requireNonNull(warmUp, "warmUp");
        runs = List.copyOf(runs);
        Objects.requireNonNull(noise, "noise");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(peak, "peak");
        if (integerMacsPerSample < 0 || integerMacsPerSample > macsPerSample) {
            throw new IllegalArgumentException("BenchReport: " + integerMacsPerSample + " integer MACs of "
                    + macsPerSample + "; expected 0 to all of them");
        }
        if (runs.isEmpty() || runs.size() != noise.values().size()) {
            throw new IllegalArgumentException("BenchReport: " + runs.size() + " runs and " + noise.values().size()
                    + " noise values; expected the same number, at least 1");
        }
    }

    /** The repetition whose metric is nearest the median: the one the summary figures come from. */
    public RepeatRun representative() {
        return runs.get(noise.representativeIndex());
    }

    /** The harness overhead as a fraction of the representative run's median latency. */
    public double overheadFraction() {
        long p50 = representative().result().latency().p50Nanos();
        return p50 == 0 ? Double.NaN : harnessOverheadNanos / p50;
    }

    /** Samples per second of the representative run. */
    public double samplesPerSecond() {
        return representative().result().samplesPerSecond();
    }

    /** Threads the session computes with: the setting, or the available cores for ONNX Runtime's default. */
    public int threadsUsed() {
        return environment.threads() > 0 ? environment.threads() : environment.cores();
    }

    /** Achieved GMAC/s: MACs per sample times samples per second; NaN when the MACs are unknown. */
    public double gmacsPerSecond() {
        return macsPerSample == 0 ? Double.NaN : macsPerSample * samplesPerSecond() / 1e9;
    }

    /**
     * The fraction of {@code threadsUsed} cores' peak reached: integer MACs held against the INT8 peak,
     * the rest against the FP32 peak (see {@link PeakCompute#fractionOf}); NaN when the MACs are unknown.
     */
    public double fractionOfPeak() {
        return peak.fractionOf(macsPerSample, integerMacsPerSample, samplesPerSecond(), threadsUsed());
    }

    /** The per-core peak this model's MAC mix is held against. */
    public double peakGmacsPerCore() {
        return peak.effectiveGmacsPerCore(macsPerSample, integerMacsPerSample);
    }

    /** The Server search of the representative run, if the rate was searched. */
    public Optional<ServerSearchResult> serverSearch() {
        return representative().search();
    }
}
