package dev.outpost.cli;

import dev.outpost.benchmark.BenchInputs;
import dev.outpost.benchmark.BenchmarkException;
import dev.outpost.benchmark.Comparison;
import dev.outpost.benchmark.ComparisonResult;
import dev.outpost.benchmark.LoadGenerator;
import dev.outpost.benchmark.ModelSut;
import dev.outpost.benchmark.RunSettings;
import dev.outpost.benchmark.Scenario;
import dev.outpost.benchmark.ScenarioResult;
import dev.outpost.benchmark.ServerSearchResult;
import dev.outpost.benchmark.TerminalProgress;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import dev.outpost.serving.InferenceServer;
import dev.outpost.serving.ModelConfig;
import dev.outpost.serving.ModelManager;
import dev.outpost.serving.ModelRepository;
import dev.outpost.serving.ModelStatus;
import dev.outpost.serving.NamedTensor;
import dev.outpost.serving.OipClient;
import dev.outpost.serving.ServerConfig;
import dev.outpost.serving.ServingConfig;
import dev.outpost.serving.ServingException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code outpost loadgen}: load an Open Inference Protocol server and report latency against load. */
@Command(
        name = "loadgen",
        sortOptions = false,
        description = {
            "Load an Open Inference Protocol v2 server (Outpost, Triton, KServe) with inference requests and"
                    + " report p50/p90/p99 latency against load: a closed loop with N concurrent clients"
                    + " (--clients), an open loop with Poisson arrivals at target rates (--rate; latency counts"
                    + " from each request's scheduled arrival, so queueing shows), and the highest Poisson rate"
                    + " whose p99 stays within --latency-bound (--search).",
            "",
            "Requests carry seeded random tensors shaped from the model's metadata, encoded once and sent over"
                    + " one connection per client: REST with binary tensors (Triton's extension), REST with JSON"
                    + " tensors, or gRPC with raw contents.",
            "",
            "--serve MODEL starts an Outpost server in this process first, on free loopback ports, so that"
                    + " --overhead can put the served model beside an in-process ModelSession.run of the same"
                    + " model (interleaved blocks; p50 added with a 95%% interval), and --offline-batch can set the"
                    + " --search result against in-process offline throughput."
        },
        footer = {
            "",
            "Examples:",
            "  outpost loadgen 127.0.0.1:8000 --model squeezenet1.0-fp32 --clients 1,2,4",
            "  outpost loadgen 127.0.0.1:8001 --protocol grpc --model mnist_cntk --rate 100,200,400",
            "  outpost loadgen --serve ../shared/models/squeezenet1.0-fp32.onnx --overhead --protocol rest,rest-json,grpc",
            "  outpost loadgen --serve ../shared/models/mobilenetv2-12-int8.onnx --max-batch-size 8"
                    + " --max-queue-delay 5ms --search --latency-bound 100ms --offline-batch 8 --protocol grpc",
            "",
            "Exit status: 0 success, 1 failure (the server refused or broke a request; message on stderr),"
                    + " 2 usage error."
        })
final class LoadgenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "HOST:PORT",
            description = "The server's REST port, or its gRPC port with --protocol grpc (default 127.0.0.1:8000,"
                    + " or :8001 for grpc). Not with --serve.")
    String target;

    @Option(names = "--serve", paramLabel = "MODEL",
            description = "Start an Outpost server in this process with this model file, on free loopback ports.")
    Path serve;

    @Option(names = "--model", paramLabel = "NAME", description = "The model to load (with --serve: taken from the file name).")
    String model;

    @Option(names = "--model-version", paramLabel = "V", defaultValue = "",
            description = "The model version (default: the server's choice).")
    String version;

    @Option(names = "--protocol", paramLabel = "P[,P...]", split = ",", defaultValue = "rest",
            description = "rest (binary tensors), rest-json or grpc (default ${DEFAULT-VALUE}); several only with --serve.")
    List<String> protocols;

    @Option(names = "--clients", paramLabel = "N[,N...]", split = ",",
            description = "Closed loop: this many concurrent clients, one row per count (default 1 when no other load is given).")
    List<Integer> clients = new ArrayList<>();

    @Option(names = "--rate", paramLabel = "QPS[,QPS...]", split = ",",
            description = "Open loop: Poisson arrivals at these rates (requests per second), one row per rate.")
    List<Double> rates = new ArrayList<>();

    @Option(names = "--search", description = "Find the highest Poisson rate whose p99 latency meets --latency-bound.")
    boolean search;

    @Option(names = "--latency-bound", paramLabel = "TIME", defaultValue = "50ms",
            description = "The p99 bound for --search (default ${DEFAULT-VALUE}).")
    String latencyBound;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "32",
            description = "Open loop: requests that may be outstanding at once, each on its own connection"
                    + " (default ${DEFAULT-VALUE}); arrivals beyond that wait, and their wait counts in the latency.")
    int workers;

    @Option(names = "--overhead", description = "With --serve: p50 of each protocol against in-process ModelSession.run, interleaved.")
    boolean overhead;

    @Option(names = "--offline-batch", paramLabel = "N",
            description = "With --serve and --search: also measure in-process offline throughput at batch N (the"
                    + " better of the served layout, --max-concurrent-runs callers x --threads, and one caller with"
                    + " every core) and report the searched rate as a fraction of it.")
    Integer offlineBatch;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1",
            description = "Rows per request along a dynamic first dimension (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "10s",
            description = "Measured time of each row (default ${DEFAULT-VALUE}; --overhead: of each protocol, in 10 blocks).")
    String duration;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the inputs and the arrivals (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "1",
            description = "With --serve: dynamic batching up to N rows (default ${DEFAULT-VALUE}: off).")
    int maxBatchSize;

    @Option(names = "--max-queue-delay", paramLabel = "TIME", defaultValue = "0ms",
            description = "With --serve: how long a request may wait for others to batch with (default ${DEFAULT-VALUE}).")
    String maxQueueDelay;

    @Option(names = "--threads", paramLabel = "N",
            description = "With --serve: ONNX Runtime intra-op threads per model call (default: cores / concurrent runs).")
    Integer threads;

    @Option(names = "--max-concurrent-runs", paramLabel = "N", defaultValue = "1",
            description = "With --serve: model calls that may run at once (default ${DEFAULT-VALUE}).")
    int maxConcurrentRuns;

    @Override
    public Integer call() {
        List<OipClient.Protocol> chosen = protocols();
        validate(chosen);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TerminalProgress progress = new TerminalProgress(err);
        LoadGenerator generator = LoadGenerator.create(progress);
        Duration step = BenchCommand.duration("--duration", duration);
        try (Served served = serve == null ? null : Served.start(serve, modelConfig(), out)) {
            String name = served != null ? served.name : model;
            String host = served != null ? "127.0.0.1" : host();
            double offline = 0;
            boolean rows = !clients.isEmpty() || !rates.isEmpty() || search;
            for (OipClient.Protocol protocol : rows ? chosen : List.<OipClient.Protocol>of()) {
                int port = served != null ? served.port(protocol) : port(protocol);
                double searched;
                try (Inputs inputs = Inputs.fetch(protocol, host, port, name, version, batch, seed);
                     OipSut sut = new OipSut(protocol, host, port, name, version, inputs.tensors)) {
                    out.printf(Locale.ROOT, "%n%s at %s:%d over %s, batch %d, inputs %s%n", name, host, port,
                            describe(protocol), batch, inputs.describe());
                    searched = run(generator, progress, sut, step, out);
                }
                if (offlineBatch != null && searched > 0) {
                    if (offline == 0) {
                        offline = offline(generator, progress, served, step, out);
                    }
                    out.printf(Locale.ROOT, "  In-process offline throughput at batch %d (the better of the above): %.1f"
                            + " inferences/s; the searched rate is %.1f%% of it%n", offlineBatch, offline,
                            100 * searched / offline);
                }
            }
            if (overhead) {
                overhead(generator, progress, served, chosen, step, out);
            }
        } finally {
            progress.finish();
        }
        return 0;
    }

    private List<OipClient.Protocol> protocols() {
        try {
            return protocols.stream().map(OipClient.Protocol::parse).distinct().toList();
        } catch (IllegalArgumentException e) {
            throw usage("--protocol: " + e.getMessage());
        }
    }

    private void validate(List<OipClient.Protocol> chosen) {
        if (serve != null && target != null) {
            throw usage("Give HOST:PORT of a running server or --serve MODEL, not both");
        }
        if (serve == null && (model == null || model.isBlank())) {
            throw usage("--model NAME is required when loading a running server");
        }
        if (serve != null && !Files.isRegularFile(serve)) {
            throw new CliException("--serve " + serve + ": no such model file");
        }
        if (serve == null && chosen.size() > 1) {
            throw usage("Several protocols need --serve (a running server's HOST:PORT is one protocol's port)");
        }
        if (serve == null && (overhead || offlineBatch != null)) {
            throw usage("--overhead and --offline-batch need --serve MODEL (they run the model in this process too)");
        }
        if (offlineBatch != null && (offlineBatch < 1 || !search)) {
            throw usage("--offline-batch needs --search and a batch >= 1, got " + offlineBatch);
        }
        if (clients.stream().anyMatch(count -> count < 1) || rates.stream().anyMatch(rate -> !(rate > 0))) {
            throw usage("--clients counts must be >= 1 and --rate rates > 0; got " + clients + " and " + rates);
        }
        if (workers < 1 || batch < 1 || maxBatchSize < 1 || maxConcurrentRuns < 1 || (threads != null && threads < 1)) {
            throw usage("--workers, --batch, --max-batch-size, --max-concurrent-runs and --threads must be >= 1");
        }
        if (clients.isEmpty() && rates.isEmpty() && !search && !overhead) {
            clients.add(1);
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private ModelConfig modelConfig() {
        ModelConfig.Builder builder = ModelConfig.builder().maxBatchSize(maxBatchSize)
                .maxQueueDelay(BenchCommand.duration("--max-queue-delay", maxQueueDelay))
                .maxConcurrentRuns(maxConcurrentRuns).maxQueueSize(Math.max(64, workers * 2));
        if (threads != null) {
            builder.intraOpThreads(threads);
        }
        return builder.build();
    }

    private String host() {
        return target == null ? "127.0.0.1" : target.substring(0, Math.max(0, target.lastIndexOf(':')));
    }

    private int port(OipClient.Protocol protocol) {
        if (target == null) {
            return protocol == OipClient.Protocol.GRPC ? 8001 : 8000;
        }
        int colon = target.lastIndexOf(':');
        try {
            if (colon < 1) {
                throw new NumberFormatException("no port");
            }
            int port = Integer.parseInt(target.substring(colon + 1));
            if (port < 1 || port > 65_535) {
                throw new NumberFormatException("out of range");
            }
            return port;
        } catch (NumberFormatException e) {
            throw usage("HOST:PORT is '" + target + "'; expected e.g. 127.0.0.1:8000");
        }
    }

    private static String describe(OipClient.Protocol protocol) {
        return switch (protocol) {
            case REST -> "REST (binary tensors)";
            case REST_JSON -> "REST (JSON tensors)";
            case GRPC -> "gRPC (raw contents)";
        };
    }

    private RunSettings settings(Duration step) {
        return RunSettings.quick(Scenario.SERVER).withDuration(step).withMinQueries(50).withSamplesPerQuery(batch)
                .withWarmupQueries(20).withWorkers(workers).withSeed(seed)
                .withLatencyBound(BenchCommand.duration("--latency-bound", latencyBound));
    }

    /** Runs the rows asked for; returns the searched rate in inferences/s (0 when none or not searched). */
    private double run(LoadGenerator generator, TerminalProgress progress, OipSut sut, Duration step, PrintWriter out) {
        RunSettings settings = settings(step);
        try {
            generator.warmUp(sut, settings);
            progress.finish();
            out.printf(Locale.ROOT, "  %-22s %9s %12s %9s %9s %9s%n", "load", "requests", "inferences/s", "p50 ms",
                    "p90 ms", "p99 ms");
            for (int count : clients) {
                row(out, count + (count == 1 ? " client" : " clients"), generator.runClients(sut, settings, count),
                        progress);
            }
            for (double rate : rates) {
                row(out, String.format(Locale.ROOT, "Poisson %.1f/s", rate),
                        generator.run(sut, settings.withTargetQps(rate)), progress);
            }
            if (search) {
                ServerSearchResult result = generator.searchServerRate(sut, settings);
                progress.finish();
                return searchReport(out, result);
            }
            return 0;
        } catch (BenchmarkException e) {
            progress.finish();
            throw new CliException(e.getMessage(), e);
        }
    }

    private static void row(PrintWriter out, String load, ScenarioResult result, TerminalProgress progress) {
        progress.finish();
        out.printf(Locale.ROOT, "  %-22s %9d %12.1f %9.3f %9.3f %9.3f%n", load, result.queries(),
                result.samplesPerSecond(), ms(result.latency().p50Nanos()), ms(result.latency().p90Nanos()),
                ms(result.latency().p99Nanos()));
        out.flush();
    }

    private double searchReport(PrintWriter out, ServerSearchResult result) {
        out.printf(Locale.ROOT, "  search: capacity probe with %d clients %.1f requests/s; p99 bound %.1f ms%n", workers,
                result.capacityQps(), ms(result.boundNanos()));
        for (ServerSearchResult.Trial trial : result.trials()) {
            out.printf(Locale.ROOT, "    Poisson %9.1f/s  p99 %9.3f ms  %s%n", trial.targetQps(), ms(trial.p99Nanos()),
                    trial.metBound() ? "met" : "broke");
        }
        if (result.finalRun().isEmpty()) {
            out.println("  No rate met the bound.");
            return 0;
        }
        ScenarioResult run = result.finalRun().get();
        if (!result.finalRunMetBound()) {
            out.printf(Locale.ROOT, "  No rate held: the full-length run at %.1f requests/s still had p99 %.3f ms > %.1f ms"
                    + " after stepping down%n", result.bestQps(), ms(run.latency().p99Nanos()), ms(result.boundNanos()));
            return 0;
        }
        out.printf(Locale.ROOT, "  Highest rate held at p99 <= %.1f ms: %.1f requests/s, %.1f inferences/s served"
                + " (full-length run: p50 %.3f ms, p99 %.3f ms)%n", ms(result.boundNanos()), result.bestQps(),
                run.samplesPerSecond(), ms(run.latency().p50Nanos()), ms(run.latency().p99Nanos()));
        return run.samplesPerSecond();
    }

    /**
     * In-process offline throughput of the model at --offline-batch, in inferences/s: the better of the
     * served layout (as many closed-loop callers as concurrent runs, each with the served thread count)
     * and one caller with every core, so that a layout the server is given cannot lower its own bar.
     */
    private double offline(LoadGenerator generator, TerminalProgress progress, Served served, Duration step,
            PrintWriter out) {
        int runs = served.config.maxConcurrentRuns();
        int threads = served.config.threadsFor(served.cores);
        double layout = offline(generator, progress, served.file, runs, threads, step);
        out.printf(Locale.ROOT, "  In-process offline at batch %d, %d caller(s) x %d thread(s) (the served layout):"
                + " %.1f inferences/s%n", offlineBatch, runs, threads, layout);
        if (runs == 1 && threads == served.cores) {
            return layout;
        }
        double allCores = offline(generator, progress, served.file, 1, served.cores, step);
        out.printf(Locale.ROOT, "  In-process offline at batch %d, 1 caller x %d thread(s) (every core): %.1f"
                + " inferences/s%n", offlineBatch, served.cores, allCores);
        return Math.max(layout, allCores);
    }

    private double offline(LoadGenerator generator, TerminalProgress progress, Path file, int callers, int threads,
            Duration step) {
        try (InferenceEngine engine = InferenceEngine.create();
             ModelSession session = engine.open(file, SessionConfig.builder().intraOpThreads(threads).build());
             ModelSut local = ModelSut.random(session, offlineBatch, seed)) {
            RunSettings settings = RunSettings.quick(Scenario.OFFLINE).withDuration(step).withMinQueries(20)
                    .withSamplesPerQuery(offlineBatch).withWarmupQueries(5);
            generator.warmUp(local, settings);
            ScenarioResult result = callers == 1 ? generator.run(local, settings)
                    : generator.runClients(local, settings, callers);
            progress.finish();
            return result.samplesPerSecond();
        } catch (BenchmarkException e) {
            progress.finish();
            throw new CliException(e.getMessage(), e);
        }
    }

    /**
     * Each protocol against an in-process {@code ModelSession.run} of the same model with the served
     * model's threads, interleaved in 10 blocks; the p50 each protocol adds, with its interval.
     */
    private void overhead(LoadGenerator generator, TerminalProgress progress, Served served,
                          List<OipClient.Protocol> chosen, Duration step, PrintWriter out) {
        List<AutoCloseable> owned = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngine.create(); ModelSession session = served.session(engine);
             ModelSut local = ModelSut.random(session, batch, seed)) {
            List<Comparison.Contender> contenders = new ArrayList<>();
            contenders.add(new Comparison.Contender("in-process run", local));
            for (OipClient.Protocol protocol : chosen) {
                Inputs inputs = Inputs.fetch(protocol, "127.0.0.1", served.port(protocol), served.name, version, batch,
                        seed);
                owned.add(inputs);
                OipSut sut = new OipSut(protocol, "127.0.0.1", served.port(protocol), served.name, version,
                        inputs.tensors);
                owned.add(sut);
                contenders.add(new Comparison.Contender(protocol.label(), sut));
            }
            RunSettings settings = RunSettings.quick(Scenario.SINGLE_STREAM).withDuration(step).withMinQueries(200)
                    .withSamplesPerQuery(batch).withWarmupQueries(50).withSeed(seed);
            out.printf(Locale.ROOT, "%nOverhead of each protocol over in-process ModelSession.run (%s, batch %d, one"
                    + " request at a time, %d interleaved blocks)%n", served.name, batch, Comparison.DEFAULT_BLOCKS);
            ComparisonResult result = Comparison.run(generator, contenders, settings, Comparison.DEFAULT_BLOCKS);
            progress.finish();
            out.print(result.render());
            for (int contender = 1; contender < contenders.size(); contender++) {
                ComparisonResult.Difference added = result.p50Added(contender);
                out.printf(Locale.ROOT, "  %-10s adds %.3f ms to the in-process p50 (95%% interval [%.3f, %.3f] ms;"
                        + " median of the blocks %.3f ms)%n", added.contender(), ms(added.meanNanos()),
                        ms(added.lowNanos()), ms(added.highNanos()), ms(added.medianNanos()));
            }
        } catch (BenchmarkException e) {
            progress.finish();
            throw new CliException(e.getMessage(), e);
        } finally {
            for (int i = owned.size() - 1; i >= 0; i--) {
                try {
                    owned.get(i).close();
                } catch (Exception e) {
                    // closing in-memory tensors and clients: nothing to report
                }
            }
        }
    }

    private static double ms(double nanos) {
        return nanos / 1e6;
    }

    /** The request tensors: seeded random ones shaped from the model's metadata. Owns them. */
    private static final class Inputs implements AutoCloseable {
        private final List<NamedTensor> tensors;

        private Inputs(List<NamedTensor> tensors) {
            this.tensors = tensors;
        }

        static Inputs fetch(OipClient.Protocol protocol, String host, int port, String model, String version,
                            int batch, long seed) {
            List<TensorSpec> specs;
            try (OipClient client = OipClient.connect(protocol, host, port, Duration.ofSeconds(30))) {
                specs = client.inputs(model, version);
            } catch (ServingException e) {
                throw new CliException(e.getMessage(), e);
            }
            Map<String, Tensor> random;
            try {
                random = BenchInputs.random(specs, batch, seed);
            } catch (BenchmarkException e) {
                throw new CliException(e.getMessage(), e);
            }
            List<NamedTensor> tensors = new ArrayList<>();
            random.forEach((name, tensor) -> tensors.add(new NamedTensor(name, tensor)));
            return new Inputs(tensors);
        }

        String describe() {
            List<String> parts = new ArrayList<>();
            for (NamedTensor tensor : tensors) {
                parts.add(tensor.name() + " " + tensor.datatype() + Arrays.toString(tensor.shape()).replace(" ", ""));
            }
            return String.join(", ", parts);
        }

        @Override
        public void close() {
            tensors.forEach(tensor -> tensor.tensor().close());
        }
    }

    /** An Outpost server started by this command, with its model. */
    private static final class Served implements AutoCloseable {
        /** Helidon's start-up lines would break the report's table; its warnings still show. Held: JUL keeps loggers weakly. */
        private static final java.util.logging.Logger HELIDON = java.util.logging.Logger.getLogger("io.helidon");

        private final InferenceServer server;
        private final String name;
        private final Path file;
        private final ModelConfig config;
        private final int cores;

        private Served(InferenceServer server, String name, Path file, ModelConfig config, int cores) {
            this.server = server;
            this.name = name;
            this.file = file;
            this.config = config;
            this.cores = cores;
        }

        static Served start(Path file, ModelConfig config, PrintWriter out) {
            HELIDON.setLevel(java.util.logging.Level.WARNING);
            int cores = Runtime.getRuntime().availableProcessors();
            ModelManager manager = ModelManager.create(ModelRepository.ofFiles(List.of(file)),
                    new ServingConfig(cores, Duration.ofSeconds(10), config));
            ModelStatus status;
            try {
                status = manager.loadAll().getFirst();
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
            if (!status.ready()) {
                manager.close();
                throw new CliException("Model " + file + " did not load: " + status.reason());
            }
            InferenceServer server = InferenceServer.start(manager,
                    ServerConfig.defaults().withPort(0).withGrpcPort(0));
            out.printf(Locale.ROOT, "Serving %s in this process: REST 127.0.0.1:%d, gRPC 127.0.0.1:%d; loaded in %.1f ms;"
                    + " %d intra-op thread(s) per call, %d concurrent run(s), dynamic batching %s%n", status.name(),
                    server.port(), server.grpcPort(), status.loadTime().toNanos() / 1e6, config.threadsFor(cores),
                    config.maxConcurrentRuns(), status.batching() ? "up to " + config.maxBatchSize() + " rows, "
                            + config.maxQueueDelay().toMillis() + " ms delay" : "off");
            return new Served(server, status.name(), file, config, cores);
        }

        int port(OipClient.Protocol protocol) {
            return protocol == OipClient.Protocol.GRPC ? server.grpcPort() : server.port();
        }

        /** A session of the same model with the served model's thread count, for in-process baselines. */
        ModelSession session(InferenceEngine engine) {
            return engine.open(file, SessionConfig.builder().intraOpThreads(config.threadsFor(cores)).build());
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
