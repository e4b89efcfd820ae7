package dev.outpost.benchmark;

import dev.outpost.runtime.ExecutionProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@link ModelBenchmark} needs besides the model: the load ({@link RunSettings}), the
 * session (threads, spinning, providers), the inputs, repeats, and what to measure on top. Build one
 * with {@link #builder(RunSettings)}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param settings the scenario and its load
 * @param threads intra-op threads, 0 for ONNX Runtime's default (one per physical core)
 * @param spinning whether idle ONNX Runtime threads spin
 * @param providers execution providers in order of preference (CPU is always last)
 * @param batch samples per model run: Offline and MultiStream only (a dynamic first dimension); 1 otherwise
 * @param inputs a folder of NAME.npy files or of images (run through the model's pipeline), or empty for
 *     seeded random inputs
 * @param includePreprocessing with images: decode and preprocess them in every query, so the latency
 *     includes it (otherwise once, before measuring)
 * @param seed seed of the random inputs
 * @param repeat how many times the measured run is repeated (noise), at least 1
 * @param macsPerSample multiply-accumulates of one sample (from the caller's model inspection), 0 if unknown
 * @param integerMacsPerSample the part of them on 8-bit integers (held against the INT8 peak)
 * @param peak the per-core peak to divide by; empty: measured with {@link PeakCompute#measure}
 * @param coldStart whether to measure a cold start in a fresh process
 * @param energyMeter the energy source; empty: RAPL under {@code /sys/class/powercap} where readable
 * @param commandLine the command that started the run, recorded in the environment
 */
public record BenchOptions(RunSettings settings, int threads, boolean spinning, List<ExecutionProvider> providers,
        int batch, Optional<Path> inputs, boolean includePreprocessing, long seed, int repeat, long macsPerSample, long integerMacsPerSample,
        Optional<PeakCompute> peak, boolean coldStart, Optional<EnergyMeter> energyMeter, String commandLine) {

    /** The largest accepted repeat count. */
    public static final int MAX_REPEAT = 100;

    /** Validates ranges and that the batch fits the scenario. */
    public BenchOptions {
        Objects.requireNonNull(settings, "settings");
        providers = List.copyOf(providers);
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(peak, "peak");
        Objects.requireNonNull(energyMeter, "energyMeter");
        Objects.requireNonNull(commandLine, "commandLine");
        check(threads >= 0 && threads <= 1024, "threads", threads, "0 (ONNX Runtime's default) to 1024");
        check(batch >= 1, "batch", batch, ">= 1");
        check(repeat >= 1 && repeat <= MAX_REPEAT, "repeat", repeat, "1 to " + MAX_REPEAT);
        check(macsPerSample >= 0, "macsPerSample", macsPerSample, ">= 0 (0: unknown)");
        check(integerMacsPerSample >= 0 && integerMacsPerSample <= macsPerSample, "integerMacsPerSample",
                integerMacsPerSample, "0 to macsPerSample (" + macsPerSample + ")");
        Scenario scenario = settings.scenario();
        check(batch == 1 || scenario == Scenario.OFFLINE || scenario == Scenario.MULTI_STREAM, "batch", batch,
                "1 for " + scenario.displayName() + " (a batch applies to Offline and MultiStream)");
        check(scenario != Scenario.MULTI_STREAM || 8 % batch == 0, "batch", batch,
                "a divisor of MultiStream's 8 samples per query (1, 2, 4 or 8)");
    }

    /** A builder with the defaults: ORT's threads, no spinning, CPU, batch 1, random inputs, seed 1, 1 run. */
    public static Builder builder(RunSettings settings) {
        return new Builder(settings);
    }

    private static void check(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                    "Benchmark option " + field + " is " + value + "; expected " + expected);
        }
    }

    /** Builds {@link BenchOptions}; each setter validates at {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final RunSettings settings;
        private int threads;
        private boolean spinning;
        private List<ExecutionProvider> providers = List.of();
        private int batch = 1;
        private Path inputs;
        private boolean includePreprocessing;
        private long seed = 1;
        private int repeat = 1;
        private long macsPerSample;
        private long integerMacsPerSample;
        private PeakCompute peak;
        private boolean coldStart = true;
        private EnergyMeter energyMeter;
        private String commandLine = "";

        private Builder(RunSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        /** Intra-op threads (0: ONNX Runtime's default). */
        public Builder threads(int count) {
            this.threads = count;
            return this;
        }

        /** Whether idle threads spin. */
        public Builder spinning(boolean enabled) {
            this.spinning = enabled;
            return this;
        }

        /** Execution providers in order of preference. */
        public Builder providers(List<ExecutionProvider> list) {
            this.providers = List.copyOf(list);
            return this;
        }

        /** Samples per model run (Offline, MultiStream). */
        public Builder batch(int size) {
            this.batch = size;
            return this;
        }

        /** With an image folder: decode and preprocess in every query (the latency includes it). */
        public Builder includePreprocessing(boolean enabled) {
            this.includePreprocessing = enabled;
            return this;
        }

        /** A folder of NAME.npy inputs, or of images for the model's pipeline, instead of random ones. */
        public Builder inputs(Path folder) {
            this.inputs = Objects.requireNonNull(folder, "folder");
            return this;
        }

        /** Seed of the random inputs. */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** Repeats of the measured run. */
        public Builder repeat(int count) {
            this.repeat = count;
            return this;
        }

        /** MACs of one sample, for GMAC/s; all of them float (no integer MACs). */
        public Builder macsPerSample(long macs) {
            return macsPerSample(macs, 0);
        }

        /** MACs of one sample, for GMAC/s, and how many of them are on 8-bit integers, for the fraction of peak. */
        public Builder macsPerSample(long macs, long integerMacs) {
            this.macsPerSample = macs;
            this.integerMacsPerSample = integerMacs;
            return this;
        }

        /** A known per-core peak instead of measuring one. */
        public Builder peak(PeakCompute value) {
            this.peak = Objects.requireNonNull(value, "value");
            return this;
        }

        /** Whether to measure a cold start (a fresh JVM; costs its start-up time). */
        public Builder coldStart(boolean enabled) {
            this.coldStart = enabled;
            return this;
        }

        /** The energy meter to use instead of RAPL detection. */
        public Builder energyMeter(EnergyMeter meter) {
            this.energyMeter = Objects.requireNonNull(meter, "meter");
            return this;
        }

        /** The command line to record. */
        public Builder commandLine(String command) {
            this.commandLine = Objects.requireNonNull(command, "command");
            return this;
        }

        /** The validated options. */
        public BenchOptions build() {
            return new BenchOptions(settings, threads, spinning, providers, batch, Optional.ofNullable(inputs),
                    includePreprocessing, seed,
                    repeat, macsPerSample, integerMacsPerSample, Optional.ofNullable(peak), coldStart, Optional.ofNullable(energyMeter),
                    commandLine);
        }
    }
}
