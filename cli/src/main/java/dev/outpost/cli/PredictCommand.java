package dev.outpost.cli;

import dev.outpost.runtime.Classification;
import dev.outpost.runtime.ClassificationSpec;
import dev.outpost.runtime.Detection;
import dev.outpost.runtime.ExecutionProvider;
import dev.outpost.runtime.DetectionSpec;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Npy;
import dev.outpost.runtime.OutputSpec;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.PipelineRun;
import dev.outpost.runtime.PipelineSpec;
import dev.outpost.runtime.Prediction;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code outpost predict}: runs a model on images or tensors through its pipeline. */
@Command(
        name = "predict",
        sortOptions = false,
        description = {
            "Run a model on images (through its pre/post-processing pipeline) or on .npy tensors.",
            "",
            "The pipeline comes from --pipeline FILE, else MODEL.pipeline.properties beside the model,"
                    + " else the model's outpost.pipeline.* metadata, else Outpost's catalog of known"
                    + " models (matched by SHA-256). Without one, images cannot be used: give tensors."
        },
        footer = {
            "",
            "Examples:",
            "  outpost predict ../shared/models/squeezenet1.0-fp32.onnx -i ../shared/data/imagenet-samples/images --limit 5",
            "  outpost predict yolox_nano.onnx -i street.jpg --json",
            "  outpost predict my.onnx -i photo.jpg --pipeline my.pipeline.properties --labels classes.txt --top 3",
            "  outpost predict mlperftiny_kws_dscnn_qdq.onnx -i features.npy",
            "  outpost predict two_inputs.onnx -i a=a.npy -i b=b.npy",
            "",
            "Exit status: 0 success, 1 failure (message on stderr), 2 usage error."
        })
final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model file.")
    Path model;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE|DIR|NAME=FILE.npy",
            description = "An image (.jpg/.png), a folder of images, or a .npy tensor (NAME=FILE.npy for"
                    + " a model with several inputs). Repeatable.")
    List<String> inputs;

    @Option(names = "--pipeline", paramLabel = "FILE",
            description = "A pipeline declaration (.properties) to use instead of the model's own.")
    Path pipelineFile;

    @Option(names = "--labels", paramLabel = "FILE", description = "Labels file, one label per line.")
    Path labelsFile;

    @Option(names = "--top", paramLabel = "K", description = "How many classes to show per input.")
    Integer top;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
            description = "At most N images from a folder (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Intra-op threads; 0 lets ONNX Runtime choose (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--providers", paramLabel = "LIST", split = ",",
            description = "Execution providers in order of preference, e.g. cuda,cpu or tensorrt,cuda,cpu;"
                    + " those missing from this ONNX Runtime build are skipped and reported (default: cpu).")
    List<String> providers = List.of();

    @Option(names = "--require-providers",
            description = "Fail instead of falling back when a provider of --providers is not available.")
    boolean requireProviders;

    @Option(names = "--json", description = "Print results as JSON.")
    boolean json;

    @Override
    public Integer call() {
        Inputs.model(model);
        if (limit < 1) {
            throw new CliException("--limit must be at least 1; got " + limit);
        }
        if (top != null && top < 1) {
            throw new CliException("--top must be at least 1; got " + top);
        }
        SessionConfig config = sessionConfig();
        try (InferenceEngine engine = InferenceEngine.create();
                ModelSession session = engine.open(model, config)) {
            Pipeline.Declaration declaration = declaration(session);
            Pipeline pipeline = Pipeline.create(session, declaration);
            List<Result> results = allTensorInputs() ? runTensors(pipeline) : runImages(pipeline);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(toJson(results, session));
            } else {
                out.printf("%s: %s; %s; inputs %s%n", model.getFileName(), describe(pipeline.spec().output()),
                        describeSource(declaration.source()),
                        session.inputs().stream().map(TensorSpec::toString).toList());
                out.println("execution providers: " + session.providers());
                printText(out, pipeline, results);
            }
            out.flush();
            long failed = results.stream().filter(r -> r.error() != null).count();
            if (failed > 0) {
                spec.commandLine().getErr().printf("outpost predict: %d of %d input(s) failed (see above)%n",
                        failed, results.size());
                spec.commandLine().getErr().flush();
                return 1;
            }
        }
        return 0;
    }

    /** The session options of --threads and --providers; a value the runtime refuses is a user error. */
    private SessionConfig sessionConfig() {
        SessionConfig.Builder builder = SessionConfig.builder().requireProviders(requireProviders);
        option("--threads", () -> builder.intraOpThreads(threads));
        List<ExecutionProvider> accelerators = option("--providers", () -> Providers.accelerators(providers));
        option("--providers", () -> builder.providers(accelerators));
        return builder.build();
    }

    /** The value of an option, with the runtime's IllegalArgumentException turned into a CliException naming it. */
    private static <T> T option(String name, Supplier<T> value) {
        try {
            return value.get();
        } catch (IllegalArgumentException e) {
            throw new CliException(name + ": " + e.getMessage());
        }
    }

    private Pipeline.Declaration declaration(ModelSession session) {
        Pipeline.Declaration declared = pipelineFile != null
                ? new Pipeline.Declaration(PipelineSpec.fromSideFile(pipelineFile), Optional.empty(),
                        Pipeline.Declaration.Source.SIDE_FILE)
                : Pipeline.declaredFor(model, session);
        OutputSpec output = declared.spec().output();
        if (output instanceof ClassificationSpec c && (top != null || labelsFile != null)) {
            output = new ClassificationSpec(c.output(), c.activation(), top != null ? top : c.topK(),
                    labelsFile != null ? Optional.of(labelsFile) : c.labels(), c.labelOffset(), c.scale());
        } else if (output instanceof DetectionSpec d && labelsFile != null && top == null) {
            output = new DetectionSpec(d.format(), d.output(), d.scoresOutput(), d.boxesOutput(), d.anchorsOutput(),
                    d.strides(), d.scoreThreshold(), d.iouThreshold(), d.maxDetections(), d.classWise(),
                    Optional.of(labelsFile));
        } else if (labelsFile != null || top != null) {
            throw new CliException("--labels and --top apply to classification (and --labels to detection)"
                    + " pipelines; model " + model.getFileName() + " declares " + describe(output));
        }
        // A labels file given on the command line replaces labels that came with the declaration.
        Optional<List<String>> labels = labelsFile != null ? Optional.empty() : declared.labels();
        return new Pipeline.Declaration(new PipelineSpec(declared.spec().image(), output), labels, declared.source());
    }

    private String describeSource(Pipeline.Declaration.Source source) {
        return switch (source) {
            case SIDE_FILE -> pipelineFile != null ? "pipeline from " + pipelineFile
                    : "pipeline from " + PipelineSpec.sideFileOf(model).getFileName();
            case MODEL_METADATA -> "pipeline from the model's metadata";
            case CATALOG -> "pipeline from Outpost's catalog (model recognised by its SHA-256)";
            case NONE -> "no pipeline";
        };
    }

    /** True when every input is a tensor (FILE.npy or NAME=FILE.npy); an image path may hold '='. */
    private boolean allTensorInputs() {
        long tensors = inputs.stream().filter(input -> Inputs.isNpy(Path.of(input))).count();
        if (tensors > 0 && tensors < inputs.size()) {
            throw new CliException("Mixes .npy tensors and images in --input; give one kind per call");
        }
        return tensors > 0;
    }

    private List<Result> runImages(Pipeline pipeline) {
        if (!pipeline.acceptsImages()) {
            throw new CliException("Model " + model.getFileName() + " has no image pipeline, so it cannot take"
                    + " images. Declare one in " + PipelineSpec.sideFileOf(model).getFileName()
                    + " (see 'outpost help predict') or with --pipeline FILE, or give .npy tensors with -i.");
        }
        List<Path> files = new ArrayList<>();
        for (String input : inputs) {
            files.addAll(Inputs.images(Path.of(input), limit - files.size()));
            if (files.size() >= limit) {
                break;
            }
        }
        List<Result> results = new ArrayList<>(files.size());
        for (Path file : files) {
            long start = System.nanoTime();
            Image image;
            try {
                image = Image.read(file);
            } catch (InferenceException e) {
                // One unreadable image must not cost the others their predictions.
                results.add(new Result(file.toString(), "?", Duration.ZERO, null, e.getMessage()));
                continue;
            }
            Duration decode = Duration.ofNanos(System.nanoTime() - start);
            PipelineRun run = pipeline.run(image);
            results.add(new Result(file.toString(), image.width() + "x" + image.height(), decode, run, null));
        }
        return results;
    }

    private List<Result> runTensors(Pipeline pipeline) {
        List<TensorSpec> modelInputs = pipeline.session().inputs();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (String input : inputs) {
                int eq = input.indexOf('=');
                String name;
                Path file;
                if (eq > 0) {
                    name = input.substring(0, eq);
                    file = Path.of(input.substring(eq + 1));
                } else if (modelInputs.size() == 1) {
                    name = modelInputs.getFirst().name();
                    file = Path.of(input);
                } else {
                    throw new CliException("Model " + model.getFileName() + " has " + modelInputs.size() + " inputs "
                            + modelInputs.stream().map(TensorSpec::toString).toList() + "; name each: -i NAME=FILE.npy");
                }
                if (tensors.containsKey(name)) {
                    throw new CliException("Input '" + name + "' is given twice");
                }
                tensors.put(name, Npy.read(file));
            }
            PipelineRun run = pipeline.run(tensors);
            return List.of(new Result(String.join(" ", inputs), "tensor", Duration.ZERO, run, null));
        } finally {
            tensors.values().forEach(Tensor::close);
        }
    }

    private void printText(PrintWriter out, Pipeline pipeline, List<Result> results) {
        List<Duration> inference = new ArrayList<>();
        for (Result result : results) {
            if (result.error() != null) {
                out.printf("%s  FAILED: %s%n", result.input(), result.error());
                continue;
            }
            PipelineRun run = result.run();
            inference.add(run.inference());
            out.printf("%s  %s  decode %s  pre %s  infer %s  post %s%n", result.input(), result.size(),
                    Text.ms(result.decode()), Text.ms(run.preprocess()), Text.ms(run.inference()),
                    Text.ms(run.postprocess()));
            for (Prediction prediction : run.predictions()) {
                for (Classification c : prediction.classes()) {
                    out.printf("    %.4f  %s (%d)%n", c.score(), c.label(), c.classIndex());
                }
                for (Detection d : prediction.detections()) {
                    out.printf("    %.3f  %-16s [%7.1f, %7.1f, %7.1f, %7.1f]%n", d.score(), d.label(),
                            d.x1(), d.y1(), d.x2(), d.y2());
                }
                if (prediction.detections().isEmpty() && pipeline.spec().output() instanceof DetectionSpec) {
                    out.println("    (no detections above the score threshold)");
                }
                prediction.tensors().forEach((name, values) -> out.printf("    %s: %s%n", name, summarize(values)));
            }
        }
        if (inference.size() > 1) {
            List<Duration> sorted = inference.stream().sorted().toList();
            out.printf("%d inputs: inference median %s (min %s, max %s)%n", inference.size(),
                    Text.ms(sorted.get(sorted.size() / 2)), Text.ms(sorted.getFirst()), Text.ms(sorted.getLast()));
        }
    }

    private static String summarize(float[] values) {
        StringBuilder out = new StringBuilder().append(values.length).append(" values [");
        for (int i = 0; i < Math.min(values.length, 8); i++) {
            out.append(i > 0 ? ", " : "").append(String.format(java.util.Locale.ROOT, "%.4g", values[i]));
        }
        out.append(values.length > 8 ? ", ...]" : "]");
        int argmax = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[argmax]) {
                argmax = i;
            }
        }
        if (values.length > 1) {
            out.append(String.format(java.util.Locale.ROOT, "  argmax %d (%.4g)", argmax, values[argmax]));
        }
        return out.toString();
    }

    private String toJson(List<Result> results, ModelSession session) {
        StringBuilder out = new StringBuilder("{\"model\":").append(Text.json(model.toString()))
                .append(",\"providers\":").append(session.providers().used().stream()
                        .map(provider -> Text.json(provider.name())).collect(Collectors.joining(",", "[", "]")))
                .append(",\"results\":[");
        for (int r = 0; r < results.size(); r++) {
            Result result = results.get(r);
            out.append(r > 0 ? "," : "").append("{\"input\":").append(Text.json(result.input()));
            if (result.error() != null) {
                out.append(",\"error\":").append(Text.json(result.error())).append('}');
                continue;
            }
            PipelineRun run = result.run();
            out
                    .append(",\"size\":").append(Text.json(result.size()))
                    .append(",\"timings_ms\":{\"decode\":").append(Text.json(result.decode().toNanos() / 1e6))
                    .append(",\"preprocess\":").append(Text.json(run.preprocess().toNanos() / 1e6))
                    .append(",\"inference\":").append(Text.json(run.inference().toNanos() / 1e6))
                    .append(",\"postprocess\":").append(Text.json(run.postprocess().toNanos() / 1e6)).append("}");
            Prediction prediction = run.predictions().getFirst();
            out.append(",\"classes\":[");
            for (int i = 0; i < prediction.classes().size(); i++) {
                Classification c = prediction.classes().get(i);
                out.append(i > 0 ? "," : "").append("{\"index\":").append(c.classIndex())
                        .append(",\"label\":").append(Text.json(c.label()))
                        .append(",\"score\":").append(Text.json(c.score())).append('}');
            }
            out.append("],\"detections\":[");
            for (int i = 0; i < prediction.detections().size(); i++) {
                Detection d = prediction.detections().get(i);
                out.append(i > 0 ? "," : "").append("{\"index\":").append(d.classIndex())
                        .append(",\"label\":").append(Text.json(d.label()))
                        .append(",\"score\":").append(Text.json(d.score()))
                        .append(",\"box\":[").append(Text.json(d.x1())).append(',').append(Text.json(d.y1()))
                        .append(',').append(Text.json(d.x2())).append(',').append(Text.json(d.y2())).append("]}");
            }
            out.append("],\"tensors\":{");
            int t = 0;
            for (Map.Entry<String, float[]> entry : prediction.tensors().entrySet()) {
                out.append(t++ > 0 ? "," : "").append(Text.json(entry.getKey())).append(":[");
                float[] values = entry.getValue();
                for (int i = 0; i < values.length; i++) {
                    out.append(i > 0 ? "," : "").append(Text.json(values[i]));
                }
                out.append(']');
            }
            out.append("}}");
        }
        return out.append("]}").toString();
    }

    private static String describe(OutputSpec output) {
        return switch (output) {
            case ClassificationSpec c -> "classification (top " + c.topK() + ")";
            case DetectionSpec d -> "detection (" + d.format().name().toLowerCase(java.util.Locale.ROOT) + ")";
            case OutputSpec.Tensors t -> "raw tensors (no postprocessing declared)";
        };
    }

    /** One input's outcome: a run, or the error that stopped it ({@code run} is then null). */
    private record Result(String input, String size, Duration decode, PipelineRun run, String error) {
    }
}
