package dev.outpost.benchmark;

import dev.outpost.runtime.ExecutionProvider;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Benchmarks one model end to end: cold start in a fresh process, warm load, warm-up (first-inference
 * latency), the scenario repeated {@link BenchOptions#repeat()} times with CPU and energy per
 * repetition, memory, and the compute peak for GMAC/s.
 *
 * <p>Stateless and thread-safe, but benchmarks should run one at a time: concurrent runs disturb each
 * other's figures.
 */
public final class ModelBenchmark {

    /** Where Linux exposes RAPL. */
    static final Path POWERCAP = Path.of("/sys/class/powercap");
    /** How long the peak kernels (ONNX Runtime MatMul and MatMulInteger) run when no peak is given. */
    static final long PEAK_BUDGET_MILLIS = 300;
    /** Queries of the harness-overhead loop (well under a second). */
    static final int OVERHEAD_QUERIES = 200_000;

    private ModelBenchmark() {
    }

    /**
     * Runs the benchmark of {@code model} on {@code engine}. The session and inputs it opens are closed
     * before it returns.
     *
     * @throws BenchmarkException bad inputs, a failed cold start, an unreadable model file
     * @throws dev.outpost.runtime.InferenceException the model cannot be opened or run
     */
    public static BenchReport run(InferenceEngine engine, Path model, BenchOptions options, ProgressListener progress) {
        long size = modelSize(model);
        Optional<ColdStartResult> coldStart = Optional.empty();
        if (options.coldStart()) {
            progress.update("cold start (fresh JVM)", 0);
            coldStart = Optional.of(ColdStartProbe.measure(model, options.threads()));
            progress.update("cold start (fresh JVM)", 1);
        }
        SessionConfig config = SessionConfig.builder().intraOpThreads(options.threads()).spinning(options.spinning())
                .providers(options.providers()).build();
        long loadStart = System.nanoTime();
        try (ModelSession session = engine.open(model, config)) {
            long warmLoad = System.nanoTime() - loadStart;
            try (SessionSut sut = inputs(session, model, options)) {
                RunSettings settings = options.settings();
                if (settings.scenario() == Scenario.OFFLINE) {
                    settings = settings.withSamplesPerQuery(sut.samplesPerRun());
                }
                LoadGenerator generator = LoadGenerator.create(progress);
                WarmUp warmUp = generator.warmUp(sut, settings);
                double overhead = generator.measureOverheadNanos(OVERHEAD_QUERIES);
                List<RepeatRun> runs = runRepeats(generator, sut, settings, options, progress);
                Noise noise = Noise.of(metricName(settings), runs.stream().map(RepeatRun::metricValue).toList(),
                        Noise.DEFAULT_CV_THRESHOLD);
                MemorySnapshot memory = MemorySnapshot.capture();
                progress.update("peak compute", 0);
                PeakCompute peak = options.peak().orElseGet(() -> PeakCompute.measure(engine, PEAK_BUDGET_MILLIS));
                progress.update("peak compute", 1);
                List<String> providers = session.providers().used().stream().map(ExecutionProvider::name).toList();
                Environment environment = Environment.capture(engine.ortVersion(), options.threads(),
                        options.spinning(), providers, options.commandLine());
                String inputs = sut.describeInputs();
                return new BenchReport(model.toString(), size, settings, sut.samplesPerRun(), inputs, environment,
                        warmLoad, coldStart, warmUp, runs, noise, memory, peak, options.macsPerSample(),
                        options.integerMacsPerSample(), overhead);
            }
        }
    }

    private static SessionSut inputs(ModelSession session, Path model, BenchOptions options) {
        return inputs(session, model, options.inputs(), options.batch(), options.seed(), options.includePreprocessing());
    }

    /**
     * The inputs a benchmark of {@code model} runs on: seeded random tensors (no folder), the .npy files of
     * a folder, or a folder of images through the model's pipeline (preprocessed in every query with
     * {@code includePreprocessing}); the caller closes them.
     *
     * @throws BenchmarkException INVALID_SETTING for {@code includePreprocessing} without images; INPUTS
     *     for inputs that do not fit the model
     */
    public static SessionSut inputs(ModelSession session, Path model, Optional<Path> inputs, int batch, long seed,
            boolean includePreprocessing) {
        if (inputs.isEmpty()) {
            if (includePreprocessing) {
                throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "--include-preprocessing needs"
                        + " --inputs DIR with images (JPEG, PNG) to run through the model's pipeline; inputs are random");
            }
            return ModelSut.random(session, batch, seed);
        }
        Path folder = inputs.get();
        if (ImageSut.holdsImages(folder)) {
            return ImageSut.folder(session, model, folder, batch, includePreprocessing);
        }
        if (includePreprocessing) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "--include-preprocessing needs"
                    + " --inputs DIR with images (JPEG, PNG) to run through the model's pipeline; " + folder
                    + " has none");
        }
        return ModelSut.npyFolder(session, folder);
    }

    private static List<RepeatRun> runRepeats(LoadGenerator generator, Sut sut, RunSettings settings,
            BenchOptions options, ProgressListener progress) {
        Optional<EnergyMeter> meter = options.energyMeter().or(() -> EnergyMeter.rapl(POWERCAP));
        List<RepeatRun> runs = new ArrayList<>();
        for (int repeat = 1; repeat <= options.repeat(); repeat++) {
            if (options.repeat() > 1) {
                progress.update("run " + repeat + "/" + options.repeat(), 0);
            }
            EnergyMeter.Measurement energy = null;
            String energyFailure = null;
            if (meter.isPresent()) {
                try {
                    energy = meter.get().start();
                } catch (BenchmarkException e) {
                    energyFailure = e.getMessage();
                }
            }
            CpuUsage.Stopwatch cpu = CpuUsage.start();
            ScenarioResult result;
            Optional<ServerSearchResult> search = Optional.empty();
            if (settings.scenario() == Scenario.SERVER && settings.targetQps() == 0) {
                ServerSearchResult found = generator.searchServerRate(sut, settings);
                search = Optional.of(found);
                result = found.finalRun().orElse(found.probe());
            } else {
                result = generator.run(sut, settings);
            }
            CpuUsage cpuUsage = cpu.stop();
            runs.add(new RepeatRun(result, search, cpuUsage, energy(meter, energy, energyFailure, result)));
        }
        return runs;
    }

    private static EnergyResult energy(Optional<EnergyMeter> meter, EnergyMeter.Measurement measurement,
            String failure, ScenarioResult result) {
        if (meter.isEmpty()) {
            return EnergyResult.unavailable("no readable RAPL counters under " + POWERCAP
                    + " (a VM, or energy_uj readable by root only) and no meter command");
        }
        if (measurement == null) {
            return EnergyResult.unavailable("meter failed: " + failure);
        }
        try {
            return EnergyResult.measured(measurement.stopJoules(), result.samples(), meter.get().source());
        } catch (BenchmarkException e) {
            return EnergyResult.unavailable("meter failed: " + e.getMessage());
        }
    }

    static String metricName(RunSettings settings) {
        return switch (settings.scenario()) {
            case SINGLE_STREAM -> "p90 latency (ns)";
            case MULTI_STREAM -> "p99 latency (ns)";
            case OFFLINE -> "throughput (samples/s)";
            case SERVER -> settings.targetQps() == 0 ? "best rate meeting the p99 bound (qps)" : "p99 latency (ns)";
        };
    }

    private static long modelSize(Path model) {
        try {
            return Files.size(model);
        } catch (IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot read the size of model " + model
                    + ": " + e.getMessage(), e);
        }
    }
}
