package dev.outpost.cli;

import dev.outpost.serving.InferenceServer;
import dev.outpost.serving.ModelManager;
import dev.outpost.serving.ModelRepository;
import dev.outpost.serving.ModelState;
import dev.outpost.serving.ModelStatus;
import dev.outpost.serving.ServerConfig;
import dev.outpost.serving.ServingConfig;
import dev.outpost.serving.ServingException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code outpost serve}: serves models over the Open Inference Protocol v2 (REST and gRPC) until stopped. */
@Command(
        name = "serve",
        sortOptions = false,
        description = {
            "Serve models over the Open Inference Protocol v2: REST (KServe v2 / Triton, with binary tensors and"
                    + " gzip or deflate bodies)"
                    + " and the KServe v2 GRPCInferenceService, with dynamic batching, bounded queues"
                    + " (503 + Retry-After or RESOURCE_EXHAUSTED when full) and Prometheus /metrics.",
            "",
            "Give model files (each is model <file name>, version 1) or a repository folder in Triton's"
                    + " layout: DIR/<model>/<version>/model.onnx, with an optional DIR/<model>/config.properties"
                    + " (max-queue-size, max-concurrent-runs, intra-op-threads, max-batch-size, max-queue-delay-ms,"
                    + " preferred-batch-sizes, request-timeout-ms). A model that fails to load is reported and"
                    + " the server serves the others. Ctrl-C or SIGTERM shuts down gracefully: new requests get 503,"
                    + " queued and running ones are answered (up to --drain-timeout). A second Ctrl-C or SIGTERM"
                    + " during the drain stops the process at once, leaving what was still running unanswered."
        },
        footer = {
            "",
            "Examples:",
            "  outpost serve ../shared/models/squeezenet1.0-fp32.onnx ../shared/models/yolox_nano.onnx",
            "  outpost serve --repository models/ --http-port 8000 --grpc-port 8001 --host 0.0.0.0",
            "  outpost serve model.onnx --no-grpc",
            "  curl -s localhost:8000/v2/models/squeezenet1.0-fp32",
            "  curl -s --data-binary @cat.jpg -H 'Content-Type: image/jpeg' localhost:8000/v2/models/squeezenet1.0-fp32/classify",
            "",
            "Endpoints, errors, compression, Triton's config and statistics extensions, metrics: docs/serving.md.",
            "",
            "Exit status: 143 after SIGTERM and 130 after Ctrl-C, once the drain is done (a signal's"
                    + " conventional status), 1 failure (message on stderr), 2 usage error."
        })
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "MODEL", description = "Model files (.onnx) to serve.")
    List<Path> models = List.of();

    @Option(names = "--repository", paramLabel = "DIR", description = "A model repository folder (Triton layout).")
    Path repository;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8000",
            description = "REST port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int httpPort;

    @Option(names = "--grpc-port", paramLabel = "PORT", defaultValue = "8001",
            description = "gRPC port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int grpcPort;

    @Option(names = "--no-grpc", description = "Serve REST only.")
    boolean noGrpc;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only).")
    String host;

    @Option(names = "--max-request-size", paramLabel = "SIZE", defaultValue = "64MiB",
            description = "Largest REST body or gRPC message accepted (default ${DEFAULT-VALUE}); a larger one gets"
                    + " 413 or RESOURCE_EXHAUSTED without being read into memory. Units B, KiB, MiB, GiB.")
    String maxRequestSize;

    @Option(names = "--drain-timeout", paramLabel = "TIME", defaultValue = "30s",
            description = "On SIGTERM or Ctrl-C, how long queued and running requests get to finish before the"
                    + " server stops anyway (default ${DEFAULT-VALUE}; e.g. 500ms, 10s, 2m).")
    String drainTimeout;

    @Override
    public Integer call() throws InterruptedException, java.util.concurrent.ExecutionException {
        InferenceServer server = start(spec.commandLine().getOut());
        PrintWriter out = spec.commandLine().getOut();
        int signal = awaitStopSignal(out).get();
        out.println("Shutting down: refusing new requests, draining the running ones");
        out.flush();
        server.close();
        out.println("Stopped");
        out.flush();
        return 128 + signal;
    }

    /**
     * The number of the first SIGTERM or SIGINT. The signals are handled here rather than in a JVM
     * shutdown hook: ONNX Runtime's Java API registers its own hook that releases the native
     * environment, and hooks run concurrently, so a drain inside a hook had the runs it was waiting
     * for crash the process (SIGSEGV in OrtSession.run). Handled here, the JVM only begins to shut
     * down once {@link #call()} has drained and closed every session. A second signal halts the JVM
     * at once, running no hooks (ONNX Runtime's would release the environment under running calls).
     */
    private static java.util.concurrent.CompletableFuture<Integer> awaitStopSignal(PrintWriter out) {
        java.util.concurrent.CompletableFuture<Integer> stop = new java.util.concurrent.CompletableFuture<>();
        for (String name : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    if (!stop.complete(signal.getNumber())) {
                        out.println("Second SIG" + signal.getName() + ": stopping now, without finishing the drain");
                        out.flush();
                        Runtime.getRuntime().halt(128 + signal.getNumber());
                    }
                });
            } catch (IllegalArgumentException e) {
                // The JVM runs with -Xrs or the signal is not available here: it then ends the process as usual.
            }
        }
        return stop;
    }

    /** Loads the models, starts listening and logs start-up times; the caller closes the server. */
    InferenceServer start(PrintWriter out) {
        if ((repository == null) == models.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Give model files or --repository DIR (one of them, not both)");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--http-port must be within 0..65535, got " + httpPort);
        }
        if (grpcPort < 0 || grpcPort > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--grpc-port must be within 0..65535, got " + grpcPort + " (--no-grpc turns gRPC off)");
        }
        long maxBytes = maxRequestBytes();
        ServingConfig serving = ServingConfig.defaults().withDrainTimeout(drain());
        // The JVM's start, not the process's: ./outpost execs java in the shell's process, whose start
        // would include the launcher's build of outpost.jar.
        Instant processStart = Instant.ofEpochMilli(java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        ModelManager manager;
        try {
            ModelRepository source = repository != null ? ModelRepository.of(repository) : ModelRepository.ofFiles(models);
            manager = ModelManager.create(source, serving);
        } catch (ServingException e) {
            throw new CliException(e.getMessage(), e);
        }
        try {
            List<ModelStatus> statuses = manager.loadAll();
            for (ModelStatus status : statuses) {
                if (status.state() == ModelState.READY) {
                    out.printf("Loaded %s version %s in %d ms (%s%s)%n", status.name(), status.version(),
                            status.loadTime().toMillis(), status.pipeline(), status.batching() ? ", dynamic batching" : "");
                } else {
                    out.printf("FAILED to load %s version %s: %s%n", status.name(), status.version(), status.reason());
                }
            }
            InferenceServer server = listen(manager, new ServerConfig(host, httpPort, maxBytes,
                    noGrpc ? ServerConfig.GRPC_OFF : grpcPort));
            long ready = statuses.stream().filter(ModelStatus::ready).count();
            out.printf("Serving %d of %d model versions on http://%s:%d (OIP v2 REST; /metrics)%s; process start to "
                    + "ready: %d ms%n", ready, statuses.size(), host, server.port(),
                    server.servesGrpc() ? " and grpc://" + host + ":" + server.grpcPort() + " (KServe v2 gRPC)" : "",
                    Duration.between(processStart, Instant.now()).toMillis());
            out.flush();
            return server;
        } catch (RuntimeException e) {
            manager.close();
            throw e instanceof ServingException ? new CliException(e.getMessage(), e) : e;
        }
    }

    private long maxRequestBytes() {
        long bytes;
        try {
            bytes = Bytes.parse("--max-request-size", maxRequestSize);
        } catch (CliException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (bytes < 1 || bytes > Integer.MAX_VALUE - 8) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-request-size must be within 1 B and "
                    + (Integer.MAX_VALUE - 8) + " B (a body is read into one Java array), got " + maxRequestSize);
        }
        return bytes;
    }

    private Duration drain() {
        try {
            return BenchCommand.duration("--drain-timeout", drainTimeout);
        } catch (dev.outpost.benchmark.BenchmarkException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * Starts the server over loaded models. A port that cannot be bound is a {@link CliException}
     * naming the address, and then the server (or the manager) is closed.
     */
    static InferenceServer listen(ModelManager manager, ServerConfig config) {
        String address = config.host() + ":" + config.port()
                + (config.grpcPort() == ServerConfig.GRPC_OFF ? "" : " (gRPC " + config.grpcPort() + ")");
        InferenceServer server;
        try {
            server = InferenceServer.start(manager, config);
        } catch (IllegalArgumentException | java.io.UncheckedIOException | IllegalStateException e) {
            manager.close();
            throw new CliException("Cannot listen on " + address + ": " + e.getMessage(), e);
        }
        // Helidon does not throw when it cannot bind: it logs the failure and leaves the listener stopped.
        if (server.port() < 0) {
            server.close();
            throw new CliException("Cannot listen on " + address + ": the address is in use or not allowed");
        }
        return server;
    }
}
