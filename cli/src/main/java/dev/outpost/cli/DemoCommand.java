package dev.outpost.cli;

import dev.outpost.model.ModelReport;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Problem;
import dev.outpost.optimizer.RuntimeShapeOracle;
import dev.outpost.runtime.Classification;
import dev.outpost.runtime.Detection;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.PipelineRun;
import dev.outpost.runtime.Prediction;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.serving.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code outpost demo}: walks models through every stage Outpost has so far (inspect, then predict
 * on images with timings), then serves them and asks the server over its three protocols
 * ({@link DemoServeStage}). Later stages (optimize, eval, bench, package, rollout) join here.
 */
@Command(
        name = "demo",
        sortOptions = false,
        description = {
            "Walk a model through what Outpost does: inspect it, run it on images with timings, quantize a"
                    + " classifier to int8, evaluate and benchmark fp32 against int8, then serve the models"
                    + " on this machine and send them the same images over REST and gRPC.",
            "",
            "Models come from --model/--images; else from the models folder (OUTPOST_MODELS, default"
                    + " ../shared/models: squeezenet1.0-fp32 on imagenet-samples and yolox_nano on"
                    + " coco-val2017-subset from OUTPOST_DATA); else from a small colour classifier that"
                    + " Outpost builds itself, so the demo runs on any machine."
        },
        footer = {
            "",
            "Examples:",
            "  outpost demo",
            "  outpost demo --model my.onnx --images photos/ --limit 10",
            "  outpost demo --no-serve                   # without the serving stage",
            "  outpost demo --no-optimize --no-serve     # inspect and predict only",
            "  OUTPOST_MODELS=/nowhere outpost demo      # the built-in model"
        })
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", description = "Model to walk through (needs --images).")
    Path model;

    @Option(names = "--images", paramLabel = "DIR|FILE", description = "Images for --model.")
    Path images;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "6",
            description = "Images per model (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--no-serve", description = "Skip the serving stage (an in-process server on free"
            + " 127.0.0.1 ports, asked over REST and gRPC).")
    boolean noServe;

    @Option(names = "--no-optimize", description = "Skip the optimize, eval and bench stages (static int8 of"
            + " the classifier, then fp32 against int8: top-1 on the labeled images and single-stream latency).")
    boolean noOptimize;

    private final Locations locations;

    DemoCommand(Locations locations) {
        this.locations = locations;
    }

    /** One model and the images it runs on; {@code expected} maps file names to the right label. */
    record Walk(Path model, String modelSource, List<Path> images, String imageSource,
            Map<String, String> expected) {
    }

    @Override
    public Integer call() throws IOException {
        if (limit < 1) {
            throw new CliException("--limit must be at least 1; got " + limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path scratch = null;
        try {
            List<Walk> walks;
            if (model != null || images != null) {
                walks = List.of(givenWalk());
            } else {
                walks = sharedWalks();
                if (walks.isEmpty()) {
                    scratch = Files.createTempDirectory("outpost-demo");
                    walks = List.of(builtInWalk(scratch, out));
                }
            }
            try (InferenceEngine engine = InferenceEngine.create()) {
                out.printf("Outpost demo (ONNX Runtime %s, %d CPU(s))%n", engine.ortVersion(),
                        Runtime.getRuntime().availableProcessors());
                for (Walk walk : walks) {
                    walk(engine, walk, out);
                    Path labeled = walk.imageSource().isEmpty() ? null : Path.of(walk.imageSource());
                    if (!noOptimize && labeled != null && Files.isRegularFile(labeled.resolve("labels.csv"))) {
                        new DemoOptimizeStage(engine, out).run(walk.model(), labeled, 200);
                    }
                }
                if (!noServe) {
                    new DemoServeStage(engine, out).run(walks,
                            ServerConfig.defaults().withPort(0).withGrpcPort(0));
                }
            }
            out.println();
            out.println("Next: 'outpost inspect MODEL' for the full report, 'outpost predict MODEL -i IMAGES' on your"
                    + " own images, 'outpost serve MODEL' to serve it, 'outpost help' for everything.");
            out.flush();
            return 0;
        } finally {
            if (scratch != null) {
                deleteTree(scratch);
            }
        }
    }

    private Walk givenWalk() {
        if (model == null || images == null) {
            throw new CliException("--model and --images go together; give both, or neither for the default demo");
        }
        return new Walk(Inputs.model(model), "given", Inputs.images(images, limit), images.toString(), Map.of());
    }

    private List<Walk> sharedWalks() throws IOException {
        List<Walk> walks = new ArrayList<>();
        Path squeezenet = locations.models().resolve("squeezenet1.0-fp32.onnx");
        Path imagenet = locations.data().resolve("imagenet-samples");
        if (Files.isRegularFile(squeezenet) && Files.isDirectory(imagenet.resolve("images"))) {
            walks.add(new Walk(squeezenet, locations.models().toString(),
                    Inputs.images(imagenet.resolve("images"), limit), imagenet.toString(), imagenetLabels(imagenet)));
        }
        Path yolox = locations.models().resolve("yolox_nano.onnx");
        Path coco = locations.data().resolve("coco-val2017-subset/images");
        if (Files.isRegularFile(yolox) && Files.isDirectory(coco)) {
            walks.add(new Walk(yolox, locations.models().toString(), Inputs.images(coco, Math.min(limit, 3)),
                    coco.toString(), Map.of()));
        }
        return walks;
    }

    private Walk builtInWalk(Path scratch, PrintWriter out) throws IOException {
        out.printf("No models at %s (set OUTPOST_MODELS); using a colour classifier that Outpost builds itself.%n",
                locations.models());
        DemoModel.Files files = DemoModel.writeTo(scratch, OutpostCli.Version.outpost());
        return new Walk(files.model(), "built by Outpost", files.images(), "generated images", files.expected());
    }

    private static Map<String, String> imagenetLabels(Path imagenet) throws IOException {
        Path csv = imagenet.resolve("labels.csv");
        if (!Files.isRegularFile(csv)) {
            return Map.of();
        }
        try (Stream<String> lines = Files.lines(csv)) {
            // file,class_index,wnid,label  e.g.  images/n01440764_tench.JPEG,0,n01440764,"tench"
            return lines.skip(1).map(line -> line.split(",", 4)).filter(cols -> cols.length == 4)
                    .collect(Collectors.toMap(cols -> Path.of(cols[0]).getFileName().toString(),
                            cols -> cols[3].strip().replaceAll("^\"|\"$", ""), (a, b) -> a, LinkedHashMap::new));
        }
    }

    private void walk(InferenceEngine engine, Walk walk, PrintWriter out) {
        out.println();
        out.printf("== %s (%s, %s) ==%n", walk.model().getFileName(), Bytes.human(walk.model()), walk.modelSource());
        inspect(walk.model(), engine, out);
        SessionConfig config = SessionConfig.builder().intraOpThreads(1).build();
        try (ModelSession session = engine.open(walk.model(), config)) {
            predict(session, walk, out);
        }
    }

    private static void inspect(Path file, InferenceEngine engine, PrintWriter out) {
        long start = System.nanoTime();
        OnnxModel onnx = OnnxModel.read(file);
        ModelReport report = onnx.inspect(new RuntimeShapeOracle(engine));
        List<Problem> problems = onnx.validate();
        out.printf("[inspect] %s, %s; %,d parameters; %s MACs per inference; activation peak %s%n",
                report.producerName().isEmpty() ? "unknown producer" : "from " + report.producerName(),
                report.quantization(), report.parameters().total().count(), Text.count(report.compute().totalMacs()),
                Bytes.human(report.activationMemory().peakBytes()));
        out.printf("          in %s -> out %s; %d operators of %d types; %s (%s)%n",
                report.inputs().stream().map(t -> t.name() + " " + t.elementType().onnxName() + t.shape()).toList(),
                report.outputs().stream().map(t -> t.name() + " " + t.elementType().onnxName() + t.shape()).toList(),
                report.opHistogram().values().stream().mapToInt(Integer::intValue).sum(), report.opHistogram().size(),
                problems.isEmpty() ? "valid" : problems.size() + " validation problem(s)",
                Text.ms(System.nanoTime() - start));
    }

    private static void predict(ModelSession session, Walk walk, PrintWriter out) {
        Pipeline pipeline = Pipeline.create(session, Pipeline.declaredFor(walk.model(), session));
        if (!pipeline.acceptsImages()) {
            throw new CliException("Model " + walk.model().getFileName() + " declares no image pipeline; see"
                    + " 'outpost help predict' for how to declare one");
        }
        out.printf("[predict] %d image(s) from %s, one thread%n", walk.images().size(), walk.imageSource());
        Image first = Image.read(walk.images().getFirst());
        Duration warmUp = pipeline.run(first).inference();
        out.printf("          first inference %s (ONNX Runtime's first-run setup and JIT warm-up; not counted below)%n",
                Text.ms(warmUp));
        List<long[]> timings = new ArrayList<>();
        int correct = 0;
        for (Path file : walk.images()) {
            long start = System.nanoTime();
            Image image = Image.read(file);
            long decode = System.nanoTime() - start;
            PipelineRun run = pipeline.run(image);
            timings.add(new long[] {decode, run.preprocess().toNanos(), run.inference().toNanos(),
                run.postprocess().toNanos()});
            Prediction prediction = run.only();
            String name = file.getFileName().toString();
            String expected = walk.expected().get(name);
            String verdict = "";
            if (expected != null && !prediction.classes().isEmpty()) {
                boolean right = prediction.classes().getFirst().label().equals(expected);
                correct += right ? 1 : 0;
                verdict = (right ? "  right" : "  wrong, expected " + expected);
            }
            String answer = answer(prediction);
            row(out, name, answer.isEmpty() ? image.width() + "x" + image.height() + ": " + prediction.tensors().keySet()
                    : answer, "infer " + Text.ms(run.inference()) + verdict);
        }
        int n = timings.size();
        Function<Integer, String> median = column -> Text.ms(median(timings.stream().mapToLong(t -> t[column])));
        out.printf("  median of %d: decode %s, preprocess %s, inference %s, postprocess %s%n", n,
                median.apply(0), median.apply(1), median.apply(2), median.apply(3));
        if (!walk.expected().isEmpty()) {
            out.printf("  top-1: %d of %d right%n", correct, n);
        }
    }

    /** One line of a stage's table: the file, the answer, then the timings, in aligned columns. */
    static void row(PrintWriter out, String file, String answer, String timings) {
        out.printf("  %-30s %-40s %s%n", shorten(file, 30), shorten(answer, 40), timings);
    }

    /** The median (the upper one of an even count), 0 when there are no values. */
    static long median(LongStream values) {
        long[] sorted = values.sorted().toArray();
        return sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    }

    /** The top class and its score, or the detected labels with counts; empty when there is neither. */
    static String answer(Prediction prediction) {
        if (!prediction.classes().isEmpty()) {
            Classification best = prediction.classes().getFirst();
            return String.format(Locale.ROOT, "%s %.2f", shorten(best.label(), 30), best.score());
        }
        if (!prediction.detections().isEmpty()) {
            Map<String, Long> counts = prediction.detections().stream()
                    .collect(Collectors.groupingBy(Detection::label, LinkedHashMap::new, Collectors.counting()));
            return counts.entrySet().stream().map(e -> e.getValue() > 1 ? e.getValue() + " " + e.getKey() : e.getKey())
                    .collect(Collectors.joining(", "));
        }
        return "";
    }

    private static String shorten(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
