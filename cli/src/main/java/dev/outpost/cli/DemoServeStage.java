package dev.outpost.cli;

import dev.outpost.runtime.Classification;
import dev.outpost.runtime.ClassificationPostprocessor;
import dev.outpost.runtime.ClassificationSpec;
import dev.outpost.runtime.Detection;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.ImagePreprocessor;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.PreprocessedBatch;
import dev.outpost.runtime.Prediction;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import dev.outpost.serving.InferenceServer;
import dev.outpost.serving.ModelManager;
import dev.outpost.serving.ModelRepository;
import dev.outpost.serving.ModelSource;
import dev.outpost.serving.ModelStatus;
import dev.outpost.serving.ServerConfig;
import dev.outpost.serving.ServingConfig;
import dev.outpost.serving.ServingException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The demo's {@code [serve]} stage: serves the demo's models on an in-process {@link InferenceServer}
 * and talks to it over loopback as an application would ({@link DemoClient}): every image posted to
 * {@code /classify} or {@code /detect} with the answer, the round trip and the server's timings; one
 * image of the classification model also through OIP v2 {@code /infer} (binary tensors) and gRPC
 * {@code ModelInfer}, which must agree on the top class; a few {@code /metrics} lines; a graceful close.
 *
 * <p>Every failure (a port that cannot be bound, a model that fails to load, a request that fails, an
 * answer that disagrees) is a {@link CliException}; the server is closed in every case.
 */
final class DemoServeStage {

    private final InferenceEngine engine;
    private final PrintWriter out;

    DemoServeStage(InferenceEngine engine, PrintWriter out) {
        this.engine = engine;
        this.out = out;
    }

    /** A served model, its endpoint and the images posted to it. */
    private record Target(String name, String endpoint, List<Path> images) {
    }

    /** One answer of the image endpoints: what it says, its round trip and the server's timings (ms). */
    private record Row(Prediction prediction, long nanos, double preMs, double inferMs, double postMs) {
    }

    /**
     * What this side needs to send a classification model a tensor and read the answer: the model's
     * own pipeline, the preprocessed first image and the output's postprocessing. Closes the tensor.
     */
    private record Probe(Path image, String input, Tensor tensor, String output, ClassificationPostprocessor classes)
            implements AutoCloseable {

        /** The top class answered to an OIP v2 /infer request with the tensor in binary. */
        DemoClient.Timed<Classification> viaInfer(DemoClient client, String model) {
            return top(client.inferBinary(model, input, tensor, output));
        }

        /** The top class answered to a gRPC ModelInfer with the tensor in raw contents. */
        DemoClient.Timed<Classification> viaGrpc(DemoClient client, String model) {
            return top(client.grpcInfer(model, input, tensor, output));
        }

        /** The top class of an answer's output tensor, which this closes, with the answer's round trip. */
        private DemoClient.Timed<Classification> top(DemoClient.Timed<Tensor> answer) {
            try (Tensor answered = answer.value()) {
                return new DemoClient.Timed<>(classes.process(answered).getFirst().getFirst(), answer.nanos());
            }
        }

        @Override
        public void close() {
            tensor.close();
        }
    }

    /**
     * Runs the stage on the walks' models and images, listening as {@code listen} says (ports 0: free
     * ones).
     *
     * @throws CliException naming the serving stage and what failed
     */
    void run(List<DemoCommand.Walk> walks, ServerConfig listen) {
        // Helidon logs its start and stop, and a port it cannot bind with a stack trace; the stage says
        // all of that in its own lines.
        Logger helidon = Logger.getLogger("io.helidon");
        Level helidonLevel = helidon.getLevel();
        helidon.setLevel(Level.OFF);
        try {
            stage(walks, listen);
        } catch (CliException | ServingException | InferenceException e) {
            throw new CliException("The serving stage failed (--no-serve skips it): " + e.getMessage(), e);
        } finally {
            helidon.setLevel(helidonLevel);
        }
    }

    private void stage(List<DemoCommand.Walk> walks, ServerConfig listen) {
        ModelRepository repository = ModelRepository.ofFiles(walks.stream().map(DemoCommand.Walk::model).toList());
        Map<Path, String> names = repository.scan().stream()
                .collect(Collectors.toMap(ModelSource::modelFile, ModelSource::name));
        try (Probe probe = probe(walks).orElse(null)) {
            long start = System.nanoTime();
            ModelManager manager = load(repository);
            long loaded = System.nanoTime();
            InferenceServer server = ServeCommand.listen(manager, listen);
            try {
                long ready = System.nanoTime();
                header(server, listen.host(), ready - start, ready - loaded, manager.index());
                Map<String, String> kinds = manager.index().stream()
                        .collect(Collectors.toMap(ModelStatus::name, ModelStatus::pipeline));
                List<Target> targets = walks.stream().map(walk -> {
                    String name = names.get(walk.model());
                    return new Target(name, kinds.get(name).equals("detection") ? "detect" : "classify", walk.images());
                }).toList();
                try (DemoClient client = DemoClient.to(server, listen.host())) {
                    serve(client, targets, probe, server.servesGrpc());
                }
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            long closing = System.nanoTime();
            server.close();
            out.printf("[serve]   closed gracefully in %s: requests drained, listeners stopped%n",
                    Text.ms(System.nanoTime() - closing));
        }
    }

    /** A manager with every model loaded; a model that fails to load is a CliException with the reason. */
    private static ModelManager load(ModelRepository repository) {
        ModelManager manager = ModelManager.create(repository, ServingConfig.defaults());
        try {
            for (ModelStatus status : manager.loadAll()) {
                if (!status.ready()) {
                    throw new CliException("The server could not load " + status.name() + ": " + status.reason());
                }
            }
            return manager;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private void header(InferenceServer server, String host, long readyNanos, long listenNanos,
            List<ModelStatus> statuses) {
        out.println();
        out.printf("== serve: %s on an in-process InferenceServer ==%n",
                statuses.stream().map(ModelStatus::name).collect(Collectors.joining(", ")));
        out.printf("[serve]   ready in %s: http://%s:%d (OIP v2 REST, /metrics)%s%n", Text.ms(readyNanos), host,
                server.port(), server.servesGrpc() ? " and grpc://" + host + ":" + server.grpcPort()
                        + " (KServe v2 gRPC)" : "");
        out.printf("          loaded %s; listeners started in %s%n", statuses.stream().map(status -> status.name()
                + " in " + status.loadTime().toMillis() + " ms (" + status.pipeline() + ")")
                .collect(Collectors.joining(", ")), Text.ms(listenNanos));
    }

    private void serve(DemoClient client, List<Target> targets, Probe probe, boolean grpc) {
        Target probed = probe == null ? null : targets.stream()
                .filter(target -> target.images().contains(probe.image())).findFirst().orElseThrow();
        warmUp(client, targets, probe, probed, grpc);
        Row probeRow = null;
        for (Target target : targets) {
            out.printf("  POST /v2/models/%s/%s, one image per request%n", target.name(), target.endpoint());
            List<Row> rows = new ArrayList<>();
            for (Path image : target.images()) {
                Row row = post(client, target, image);
                rows.add(row);
                probeRow = probe != null && image.equals(probe.image()) ? row : probeRow;
                DemoCommand.row(out, image.getFileName().toString(), DemoCommand.answer(row.prediction()),
                        String.format(Locale.ROOT, "rtt %s  server pre %.2f infer %.2f post %.2f ms",
                                Text.ms(row.nanos()), row.preMs(), row.inferMs(), row.postMs()));
            }
            out.printf("  median of %d: round trip %s; server preprocess %s, inference %s, postprocess %s%n",
                    rows.size(), Text.ms(DemoCommand.median(rows.stream().mapToLong(Row::nanos))),
                    medianMs(rows, Row::preMs), medianMs(rows, Row::inferMs), medianMs(rows, Row::postMs));
        }
        if (probe != null) {
            protocols(client, probed, probe, probeRow, grpc);
        }
        List<String> requests = client.metrics().lines().filter(line -> line.startsWith("outpost_requests_total{"))
                .toList();
        for (int i = 0; i < requests.size(); i++) {
            out.printf("  %-9s %s%n", i == 0 ? "/metrics" : "", requests.get(i));
        }
    }

    /** One request per endpoint first: they pay the connections and the warm-up, so are shown apart. */
    private void warmUp(DemoClient client, List<Target> targets, Probe probe, Target probed, boolean grpc) {
        List<String> firsts = new ArrayList<>();
        for (Target target : targets) {
            firsts.add("/" + target.endpoint() + " " + Text.ms(client.postImage(target.name(), target.endpoint(),
                    target.images().getFirst()).nanos()));
        }
        if (probe != null) {
            firsts.add("/infer " + Text.ms(probe.viaInfer(client, probed.name()).nanos()));
            if (grpc) {
                firsts.add("gRPC " + Text.ms(probe.viaGrpc(client, probed.name()).nanos()));
            }
        }
        out.println("          first request per endpoint (connection set-up and warm-up; not counted below):");
        out.printf("          %s%n", String.join(", ", firsts));
        out.println("          rtt: the round trip measured here (it includes the server's image decode);"
                + " server: the answer's timings_ms");
    }

    private static String medianMs(List<Row> rows, ToDoubleFunction<Row> millis) {
        return Text.ms(DemoCommand.median(rows.stream().mapToLong(row -> Math.round(millis.applyAsDouble(row) * 1e6))));
    }

    /** The probe image through /classify (already sent), /infer and gRPC; the top classes must agree. */
    private void protocols(DemoClient client, Target target, Probe probe, Row classify, boolean grpc) {
        out.printf("  %s over three protocols (for /infer and gRPC this side preprocesses it)%n",
                probe.image().getFileName());
        List<Classification> tops = new ArrayList<>();
        tops.add(protocolRow("REST /classify (image)",
                new DemoClient.Timed<>(classify.prediction().classes().getFirst(), classify.nanos())));
        tops.add(protocolRow("REST /infer (binary tensor)", probe.viaInfer(client, target.name())));
        if (grpc) {
            tops.add(protocolRow("gRPC ModelInfer (raw tensor)", probe.viaGrpc(client, target.name())));
        }
        if (tops.stream().map(Classification::classIndex).distinct().count() != 1) {
            throw new CliException("The protocols disagree on the top class of " + probe.image().getFileName()
                    + ": " + tops.stream().map(Classification::label).toList());
        }
        out.printf("  same top class over the %d protocols: %s%n", tops.size(), tops.getFirst().label());
    }

    private Classification protocolRow(String protocol, DemoClient.Timed<Classification> answer) {
        DemoCommand.row(out, protocol, DemoCommand.answer(new Prediction(List.of(answer.value()), List.of(), Map.of())),
                "rtt " + Text.ms(answer.nanos()));
        return answer.value();
    }

    private static Row post(DemoClient client, Target target, Path image) {
        DemoClient.Timed<Object> answer = client.postImage(target.name(), target.endpoint(), image);
        Object json = answer.value();
        try {
            List<Classification> classes = new ArrayList<>();
            List<Detection> detections = new ArrayList<>();
            if (target.endpoint().equals("detect")) {
                for (Object box : Json.list(json, "detections")) {
                    List<?> corners = Json.list(box, "box");
                    detections.add(new Detection((int) Json.number(box, "class_index"), Json.text(box, "label"),
                            (float) Json.number(box, "score"), corner(corners, 0), corner(corners, 1),
                            corner(corners, 2), corner(corners, 3)));
                }
            } else {
                for (Object top : Json.list(json, "classes")) {
                    classes.add(new Classification((int) Json.number(top, "class_index"), Json.text(top, "label"),
                            (float) Json.number(top, "score")));
                }
            }
            return new Row(new Prediction(classes, detections, Map.of()), answer.nanos(),
                    Json.number(json, "timings_ms", "preprocess"), Json.number(json, "timings_ms", "inference"),
                    Json.number(json, "timings_ms", "postprocess"));
        } catch (IllegalArgumentException e) {
            throw new CliException("The answer of /v2/models/" + target.name() + "/" + target.endpoint() + " for "
                    + image.getFileName() + " is not what the server documents: " + e.getMessage(), e);
        }
    }

    private static float corner(List<?> box, int index) {
        return (float) Json.number(box, index);
    }

    /** The first walk whose model classifies images, prepared on this side; empty when there is none. */
    private Optional<Probe> probe(List<DemoCommand.Walk> walks) {
        for (DemoCommand.Walk walk : walks) {
            try (ModelSession session = engine.open(walk.model(), SessionConfig.builder().intraOpThreads(1).build())) {
                Pipeline.Declaration declaration = Pipeline.declaredFor(walk.model(), session);
                if (declaration.spec().image().isEmpty()
                        || !(declaration.spec().output() instanceof ClassificationSpec spec)) {
                    continue;
                }
                ClassificationPostprocessor classes = declaration.labels()
                        .map(labels -> ClassificationPostprocessor.create(spec, labels))
                        .orElseGet(() -> ClassificationPostprocessor.create(spec));
                String output = classes.outputName(session.outputs().stream().map(TensorSpec::name).toList());
                Path image = walk.images().getFirst();
                PreprocessedBatch batch = ImagePreprocessor.create(declaration.spec().image().get(), session.inputs())
                        .preprocess(Image.read(image));
                return Optional.of(new Probe(image, batch.inputName(), batch.tensor(), output, classes));
            }
        }
        return Optional.empty();
    }
}
