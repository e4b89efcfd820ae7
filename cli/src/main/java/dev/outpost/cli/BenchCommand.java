package dev.outpost.cli;

import dev.outpost.benchmark.BenchJson;
import dev.outpost.benchmark.BenchOptions;
import dev.outpost.benchmark.BenchReport;
import dev.outpost.benchmark.BenchmarkException;
import dev.outpost.benchmark.ComparisonResult;
import dev.outpost.benchmark.EnergyMeter;
import dev.outpost.benchmark.EvalAccuracy;
import dev.outpost.benchmark.Environment;
import dev.outpost.benchmark.HtmlReport;
import dev.outpost.benchmark.ModelBenchmark;
import dev.outpost.benchmark.PeakCompute;
import dev.outpost.benchmark.RunSettings;
import dev.outpost.benchmark.Scenario;
import dev.outpost.benchmark.Sla;
import dev.outpost.benchmark.SweepResult;
import dev.outpost.benchmark.TerminalProgress;
import dev.outpost.benchmark.TerminalReport;
import dev.outpost.model.ModelFormatException;
import dev.outpost.model.ModelReport;
import dev.outpost.model.OnnxModel;
import dev.outpost.optimizer.RuntimeShapeOracle;
import dev.outpost.runtime.ExecutionProvider;
import dev.outpost.runtime.InferenceEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code outpost bench}: MLPerf-style load scenarios on one or more models, with SLA gates. */
@Command(
        name = "bench",
        sortOptions = false,
        description = {
            "Benchmark models under MLPerf-style load: latency distribution, throughput, load time (warm and"
                    + " cold), first inference, memory, CPU, energy where a meter exists, GMAC/s and fraction"
                    + " of peak, with the environment needed to repeat the run.",
            "",
            "Scenarios: single-stream (next query when the previous completes; p90), multi-stream (8 samples"
                    + " per query; p99), server (Poisson arrivals, latency from the scheduled arrival; searches the"
                    + " highest rate meeting --latency-bound at p99 unless --target-qps is given), offline"
                    + " (batches back to back; samples/s). The quick profile runs about 10 s and 100 queries"
                    + " (LoadGen's defaults); --compliance uses MLPerf's minimums (600 s and its query counts)."
        },
        footer = {
            "",
            "Examples:",
            "  outpost bench ../shared/models/mnist_cnn_pytorch.onnx",
            "  outpost bench a.onnx b.onnx --threads 1 --pin 0 --repeat 3 --json bench.json",
            "  outpost bench m.onnx --scenario server --latency-bound 15ms",
            "  outpost bench m.onnx --scenario offline --batch 8 --sla 'qps>=200,rss<300MB'",
            "  outpost bench fp32.onnx int8.onnx --compare --threads 1 --html compare.html",
            "  outpost bench m.onnx --compare --threads 1,2",
            "  outpost bench fp32.onnx int8.onnx --sweep --threads 1,2 --html sweep.html",
            "  outpost bench a.onnx b.onnx --sweep --scenario offline --batch 1,4,8 \\",
            "      --threads 1,2 --eval-json eval.json --json sweep.json --html sweep.html",
            "",
            "--pin re-runs the command under 'taskset -c CPUS' (util-linux), so every thread of the JVM and"
                    + " ONNX Runtime is confined; the report records the affinity the process actually had.",
            "Exit status: 0 success, 1 failure, 2 usage error (bad option or budget), 3 an SLA budget broke."
        })
final class BenchCommand implements Callable<Integer> {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min)");
    /** How long the peak kernels (ONNX Runtime MatMul and MatMulInteger) run, once per sweep. */
    private static final long SWEEP_PEAK_BUDGET_MILLIS = 300;
    private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "The .onnx model files.")
    List<Path> models;

    @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "single-stream",
            description = "single-stream, multi-stream, server or offline (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--duration", paramLabel = "TIME", description = "Minimum measured time, e.g. 10s, 500ms, 2m (default: 10s; --compliance: 600s).")
    String duration;

    @Option(names = "--min-queries", paramLabel = "N", description = "Minimum queries (default: 100; --compliance: MLPerf's count).")
    Long minQueries;

    @Option(names = "--target-qps", paramLabel = "QPS", description = "Server: a fixed Poisson arrival rate instead of the search.")
    Double targetQps;

    @Option(names = "--latency-bound", paramLabel = "TIME", description = "Server: the p99 latency bound (default: 15ms).")
    String latencyBound;

    @Option(names = "--threads", paramLabel = "N[,N...]", split = ",", defaultValue = "0",
            description = "Intra-op threads; 0 lets ONNX Runtime choose (default: ${DEFAULT-VALUE}). With --compare,"
                    + " several counts compare each model under each, e.g. --threads 1,2; with --sweep, each is a point.")
    List<Integer> threadCounts;

    @Option(names = "--pin", paramLabel = "CPUS", description = "Run pinned to these CPUs, e.g. 0 or 0-1 (re-runs under taskset -c).")
    String pin;

    @Option(names = "--spinning", paramLabel = "on|off", defaultValue = "off",
            description = "Whether ONNX Runtime's idle threads spin (default: ${DEFAULT-VALUE}).")
    String spinning;

    @Option(names = "--providers", paramLabel = "LIST", split = ",", description = "Execution providers in order of"
            + " preference (default: cpu). With --sweep, each provider is a separate point (CPU the fallback of each).")
    List<String> providers = List.of();

    @Option(names = "--batch", paramLabel = "N", split = ",", defaultValue = "1",
            description = "Samples per model run, for offline and multi-stream (default: ${DEFAULT-VALUE}). With"
                    + " --sweep, several batches are swept, e.g. --batch 1,4,8 (needs --scenario offline or"
                    + " multi-stream).")
    List<Integer> batches;

    @Option(names = "--inputs", paramLabel = "DIR|random", defaultValue = "random",
            description = "A folder of INPUT_NAME.npy files, a folder of images (JPEG, PNG) run through the model's"
                    + " declared pipeline, or seeded random tensors (default: ${DEFAULT-VALUE}).")
    String inputs;

    @Option(names = "--include-preprocessing", description = "With --inputs DIR of images: decode and preprocess"
            + " them in every query, so the latency includes what an application pays between an image file and the"
            + " model (default: once, before measuring).")
    boolean includePreprocessing;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of random inputs and arrivals (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--repeat", paramLabel = "R", defaultValue = "1", description = "Repeat the measured run R times; reports median and spread (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--sla", paramLabel = "BUDGETS", description = "Budgets to gate on, e.g. 'p90<20ms,rss<200MB,size<10MB'; exit 3 when one breaks.")
    String sla;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON (schema outpost.bench/1, docs/bench-json.md).")
    Path json;

    @Option(names = "--compliance", description = "MLPerf's minimum durations and counts instead of the quick profile.")
    boolean compliance;

    @Option(names = "--peak-gmacs", paramLabel = "GMACS", description = "Per-core FP32 peak GMAC/s for the fraction of peak (default: measured with ONNX Runtime's own MatMul kernel on one thread: an achievable rate, below the datasheet peak).")
    Double peakGmacs;

    @Option(names = "--peak-int8-gmacs", paramLabel = "GMACS", description = "Per-core 8-bit integer peak GMAC/s, against which a model's integer MACs are held (needs --peak-gmacs; default: measured with ONNX Runtime's MatMulInteger kernel).")
    Double peakInt8Gmacs;

    @Option(names = "--energy-meter", paramLabel = "COMMAND", description = "A command printing a cumulative energy counter in joules (split on spaces); default: RAPL where readable.")
    String energyMeter;

    @Option(names = "--no-cold-start", description = "Skip the cold-start measurement in a fresh JVM.")
    boolean noColdStart;

    @Option(names = "--compare", description = "Run the models (x --threads counts) interleaved in blocks (A B, B A, ...)"
            + " and report ratios against the first with 95%% intervals (paired t-interval on log ratios of the blocks);"
            + " a verdict is given when the interval excludes 1.")
    boolean compare;

    @Option(names = "--blocks", paramLabel = "N", defaultValue = "10",
            description = "--compare: interleaved blocks per contender, >= 2 (default: ${DEFAULT-VALUE}).")
    int blocks;

    @Option(names = "--sweep", description = "Run every combination of model x --threads x --batch x --providers"
            + " one after the other (a full benchmark each) and print one table row per point; --json adds a"
            + " 'sweep' section, --html plots p50 latency against throughput (and accuracy against latency with"
            + " --eval-json). A batch a model cannot run (fixed first dimension) is skipped with the reason.")
    boolean sweep;

    @Option(names = "--eval-json", paramLabel = "FILE", split = ",", description = "--sweep: accuracies from"
            + " 'outpost eval --json' files (repeatable), matched to the models by file name.")
    List<Path> evalJson = List.of();

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report (inline CSS and SVG; opens offline).")
    Path html;

    @Override
    public Integer call() {
        if (pin != null) {
            return pinned();
        }
        models.forEach(Inputs::model);
        if (sweep && compare) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--sweep and --compare are different"
                    + " runs; choose one: --compare runs the contenders interleaved in blocks and reports ratios with"
                    + " 95%% intervals (is B faster than A?), --sweep runs every model x threads x batch x provider"
                    + " one after the other and tables and plots them (how do the settings trade latency for"
                    + " throughput?)");
        }
        if (!sweep && !evalJson.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--eval-json applies to --sweep");
        }
        if (!sweep && batches.size() != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch has " + batches.size()
                    + " values " + batches + "; expected one (several only with --sweep)");
        }
        if (sweep) {
            return sweep();
        }
        int batch = batches.get(0);
        if (compare) {
            return compare(batch);
        }
        if (threadCounts.size() != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads has " + threadCounts.size()
                    + " values " + threadCounts + "; expected one (several only with --compare or --sweep)");
        }
        int threads = threadCounts.get(0);
        Optional<Sla> budgets = Optional.ofNullable(sla).map(text -> usage(() -> Sla.parse(text)));
        BenchOptions.Builder builder = BenchOptions.builder(usage(this::settings)).threads(threads)
                .spinning(onOff(spinning)).providers(providers()).batch(batch).seed(seed).repeat(repeat)
                .coldStart(!noColdStart).commandLine(commandLine());
        if (!inputs.equals("random")) {
            builder.inputs(Path.of(inputs));
        }
        builder.includePreprocessing(requireImagesForPreprocessing());
        givenPeak().ifPresent(builder::peak);
        if (energyMeter != null) {
            builder.energyMeter(usage(() -> EnergyMeter.command(Arrays.asList(energyMeter.trim().split("\\s+")))));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TerminalProgress progress = new TerminalProgress(err);
        List<BenchReport> reports = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngine.create()) {
            for (Path model : models) {
                Macs macs = macsPerSample(model, engine, err);
                BenchOptions options = usage(() -> builder.macsPerSample(macs.total(), macs.integer()).build());
                progress.prefix(model.getFileName().toString());
                try {
                    reports.add(ModelBenchmark.run(engine, model, options, progress));
                } catch (BenchmarkException e) {
                    throw new CliException(model.getFileName() + ": " + e.getMessage(), e);
                } finally {
                    progress.finish();
                }
            }
        }
        out.print(TerminalReport.render(reports, budgets));
        out.flush();
        if (json != null) {
            try {
                BenchJson.write(json, reports, budgets);
            } catch (BenchmarkException e) {
                throw new CliException(e.getMessage(), e);
            }
        }
        if (html != null) {
            writeHtml(HtmlReport.render(reports, Optional.empty(), reports.get(0).environment()));
        }
        boolean broken = budgets.isPresent() && reports.stream().anyMatch(report -> !budgets.get().evaluate(report).isEmpty());
        return broken ? Sla.EXIT_CODE : 0;
    }

    /**
     * The --compare run: no cold start, repeats or SLA (each contender's blocks are its repeats); --pin
     * works as for a plain run (the whole command re-runs pinned), --json writes the comparison.
     */
    private int compare(int batch) {
        if (sla != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--sla is not supported with --compare:"
                    + " a comparison reports ratios, not absolute figures; run 'outpost bench' without --compare"
                    + " to gate on budgets, or read the ratios from --json");
        }
        if (repeat != 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--repeat is " + repeat + " with --compare;"
                    + " expected 1 (use --blocks: every block is a paired repeat)");
        }
        RunSettings settings = usage(this::settings);
        boolean spin = usage(() -> onOff(spinning));
        // The same validation as a plain run: batch against the scenario, thread counts, seed.
        threadCounts.forEach(count -> usage(() -> BenchOptions.builder(settings).threads(count).batch(batch).seed(seed)
                .build()));
        List<ExecutionProvider> chosen = providers();
        Optional<Path> folder = inputs.equals("random") ? Optional.empty() : Optional.of(Path.of(inputs));
        PrintWriter err = spec.commandLine().getErr();
        TerminalProgress progress = new TerminalProgress(err);
        progress.prefix("compare");
        ComparisonResult result;
        Environment environment;
        try (InferenceEngine engine = InferenceEngine.create()) {
            try {
                result = CompareRun.run(engine, models, threadCounts, spin, chosen, batch, seed, folder,
                        requireImagesForPreprocessing(), settings, blocks, progress);
            } catch (BenchmarkException e) {
                if (e.code() == BenchmarkException.Code.INVALID_SETTING) {
                    throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
                }
                throw new CliException(e.getMessage(), e);
            } finally {
                progress.finish();
            }
            environment = Environment.capture(engine.ortVersion(), threadCounts.get(0), spin,
                    chosen.isEmpty() ? List.of("CPU") : chosen.stream().map(ExecutionProvider::name).toList(),
                    commandLine());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(result.render());
        out.flush();
        if (html != null) {
            writeHtml(HtmlReport.render(List.of(), Optional.of(result), environment));
        }
        if (json != null) {
            try {
                BenchJson.write(json, result, environment);
            } catch (BenchmarkException e) {
                throw new CliException(e.getMessage(), e);
            }
        }
        return 0;
    }

    /** The --sweep run: one full benchmark per model x threads x batch x provider; no SLA. */
    private int sweep() {
        if (sla != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--sla is not supported with --sweep;"
                    + " run 'outpost bench' on the chosen setting without --sweep for it");
        }
        if (!inputs.equals("random") && !batches.equals(List.of(1))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch " + batches + " with --inputs "
                    + inputs + "; the .npy files fix the batch (leave --batch out)");
        }
        RunSettings settings = usage(this::settings);
        Scenario chosenScenario = settings.scenario();
        if (batches.stream().anyMatch(batch -> batch > 1) && chosenScenario != Scenario.OFFLINE
                && chosenScenario != Scenario.MULTI_STREAM) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch " + batches + " with --sweep under "
                    + chosenScenario.displayName() + ": its queries are one sample each, so a batch does not apply;"
                    + " sweep batches with --scenario offline (the batch is the samples of one model run) or"
                    + " multi-stream");
        }
        BenchOptions.Builder builder = BenchOptions.builder(settings).spinning(usage(() -> onOff(spinning)))
                .seed(seed).repeat(repeat).coldStart(!noColdStart).commandLine(commandLine());
        // Every point's threads and batch against the scenario, before anything runs.
        for (int count : threadCounts) {
            for (int batch : batches) {
                usage(() -> builder.threads(count).batch(batch).build());
            }
        }
        Map<String, List<ExecutionProvider>> chosen = new LinkedHashMap<>();
        for (String name : providers.isEmpty() ? List.of("cpu") : providers) {
            String key = name.trim().toLowerCase(Locale.ROOT);
            List<ExecutionProvider> registered = providers(List.of(key));
            if (chosen.put(key, registered) != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--providers names " + key + " twice");
            }
        }
        EvalAccuracy accuracy = usage(() -> EvalAccuracy.read(evalJson));
        if (!inputs.equals("random")) {
            builder.inputs(Path.of(inputs));
        }
        builder.includePreprocessing(requireImagesForPreprocessing());
        if (energyMeter != null) {
            builder.energyMeter(usage(() -> EnergyMeter.command(Arrays.asList(energyMeter.trim().split("\\s+")))));
        }
        Optional<PeakCompute> given = givenPeak();
        PrintWriter err = spec.commandLine().getErr();
        TerminalProgress progress = new TerminalProgress(err);
        SweepResult result;
        try (InferenceEngine engine = InferenceEngine.create()) {
            // One peak for the whole sweep: the points differ in settings, not in the machine.
            builder.peak(given.orElseGet(() -> PeakCompute.measure(engine, SWEEP_PEAK_BUDGET_MILLIS)));
            result = SweepRun.run(engine, models, threadCounts, batches, chosen, settings, builder,
                    inputs.equals("random"), !noColdStart, model -> macsPerSample(model, engine, err), accuracy, progress);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(result.render());
        out.flush();
        if (json != null) {
            try {
                BenchJson.write(json, result);
            } catch (BenchmarkException e) {
                throw new CliException(e.getMessage(), e);
            }
        }
        if (html != null) {
            if (result.reports().isEmpty()) {
                throw new CliException("Every point of the sweep was skipped; nothing to plot in " + html);
            }
            writeHtml(HtmlReport.renderSweep(result));
        }
        return 0;
    }

    private void writeHtml(String page) {
        try {
            java.nio.file.Files.writeString(html, page);
        } catch (IOException e) {
            throw new CliException("Cannot write the HTML report to " + html + ": " + e.getMessage(), e);
        }
    }

    private RunSettings settings() {
        Scenario chosen = Scenario.parse(scenario);
        RunSettings settings = compliance ? RunSettings.compliance(chosen) : RunSettings.quick(chosen);
        settings = settings.withSeed(seed);
        if (duration != null) {
            settings = settings.withDuration(duration("--duration", duration));
        }
        if (minQueries != null) {
            settings = settings.withMinQueries(minQueries);
        }
        if (targetQps != null) {
            if (chosen != Scenario.SERVER) {
                throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                        "--target-qps applies to the server scenario; the scenario is " + chosen.displayName());
            }
            if (!(targetQps > 0)) {
                throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                        "--target-qps is " + targetQps + "; expected a rate > 0 (leave it out to search)");
            }
            settings = settings.withTargetQps(targetQps);
        }
        if (latencyBound != null) {
            settings = settings.withLatencyBound(duration("--latency-bound", latencyBound));
        }
        return settings;
    }

    static Duration duration(String option, String text) {
        Matcher matcher = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, option + " is '" + text
                    + "'; expected a number with a unit ms, s or m, e.g. 500ms, 10s, 2m");
        }
        double value = Double.parseDouble(matcher.group(1));
        double nanos = value * switch (matcher.group(2)) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> 60e9;
        };
        return Duration.ofNanos((long) nanos);
    }

    private static boolean onOff(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                    "--spinning is '" + value + "'; expected on or off");
        };
    }

    private List<ExecutionProvider> providers() {
        return providers(providers);
    }

    private List<ExecutionProvider> providers(List<String> names) {
        return usage(() -> {
            try {
                return Providers.accelerators(names);
            } catch (IllegalArgumentException e) {
                throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "--providers: " + e.getMessage());
            }
        });
    }

    /** --include-preprocessing, refused as a usage error when the inputs are random tensors. */
    private boolean requireImagesForPreprocessing() {
        if (includePreprocessing && inputs.equals("random")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--include-preprocessing needs --inputs DIR"
                    + " with images (JPEG, PNG) to run through the model's pipeline; the inputs are random tensors");
        }
        return includePreprocessing;
    }

    /** The peaks given on the command line; empty: measure them. */
    private Optional<PeakCompute> givenPeak() {
        if (peakInt8Gmacs != null && peakGmacs == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--peak-int8-gmacs needs --peak-gmacs too"
                    + " (the FP32 peak, for the model's float MACs)");
        }
        if (peakGmacs == null) {
            return Optional.empty();
        }
        return Optional.of(usage(() -> peakInt8Gmacs == null ? PeakCompute.given(peakGmacs)
                : PeakCompute.given(peakGmacs, peakInt8Gmacs)));
    }

    /** Multiply-accumulates of one sample, and how many of them are on 8-bit integers. */
    record Macs(long total, long integer) {
        static final Macs UNKNOWN = new Macs(0, 0);
    }

    /** MACs of one sample from the model's inspection; 0 (GMAC/s unknown) when the inspector cannot count them. */
    private static Macs macsPerSample(Path model, InferenceEngine engine, PrintWriter err) {
        try {
            ModelReport report = OnnxModel.read(model).inspect(new RuntimeShapeOracle(engine));
            long fixedBatch = report.inputs().isEmpty() || report.inputs().get(0).shape().rank() == 0 ? 1
                    : Math.max(1, report.inputs().get(0).shape().dim(0).value());
            long divisor = report.compute().batchAssumedOne() ? 1 : fixedBatch;
            return new Macs(report.compute().totalMacs() / divisor, report.compute().integerMacs() / divisor);
        } catch (ModelFormatException e) {
            err.println("outpost bench: " + model.getFileName() + ": MACs unknown (" + e.getMessage() + "); GMAC/s not reported");
            return Macs.UNKNOWN;
        }
    }

    /** Runs a parsing step; its bad values are usage errors (exit 2). */
    private <T> T usage(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (BenchmarkException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private String commandLine() {
        // The parse result's original arguments are the whole command line, "bench" included.
        return "outpost " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }

    /** Re-runs this command without --pin under {@code taskset -c CPUS} and relays its output and exit status. */
    private int pinned() {
        if (!CPU_LIST.matcher(pin).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pin is '" + pin
                    + "'; expected a CPU list such as 0, 0-1 or 0,2");
        }
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--pin")) {
                args.remove(i + 1);
                args.remove(i);
                break;
            } else if (args.get(i).startsWith("--pin=")) {
                args.remove(i);
                break;
            }
        }
        List<String> command = new ArrayList<>(List.of("taskset", "-c", pin,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), OutpostCli.class.getName()));
        command.addAll(args);
        try {
            Process process = new ProcessBuilder(command).start();
            // Ctrl-C on this process must not leave the pinned benchmark running.
            Thread killer = new Thread(process::destroy);
            Runtime.getRuntime().addShutdownHook(killer);
            process.getOutputStream().close();
            Thread errors = Thread.ofPlatform().start(() -> relay(process.getErrorStream(), spec.commandLine().getErr()));
            relay(process.getInputStream(), spec.commandLine().getOut());
            int status = process.waitFor();
            errors.join();
            Runtime.getRuntime().removeShutdownHook(killer);
            return status;
        } catch (IOException e) {
            throw new CliException("Cannot run taskset to pin to CPUs " + pin + " (" + e.getMessage()
                    + "); install util-linux, or run 'taskset -c " + pin + " outpost bench ...' yourself", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("Interrupted while the pinned benchmark ran", e);
        }
    }

    private static void relay(InputStream from, PrintWriter to) {
        byte[] buffer = new byte[8192];
        try (from) {
            int read;
            while ((read = from.read(buffer)) > 0) {
                to.print(new String(buffer, 0, read, StandardCharsets.UTF_8));
                to.flush();
            }
        } catch (IOException e) {
            to.println("outpost bench: lost the pinned process's output: " + e.getMessage());
            to.flush();
        }
    }
}
