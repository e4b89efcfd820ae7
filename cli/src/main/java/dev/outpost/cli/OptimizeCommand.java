package dev.outpost.cli;

import dev.outpost.benchmark.ComparisonResult;
import dev.outpost.optimizer.AccuracyBudget;
import dev.outpost.optimizer.CalibrationData;
import dev.outpost.optimizer.CalibrationMethod;
import dev.outpost.optimizer.Fidelity;
import dev.outpost.optimizer.Fp16Converter;
import dev.outpost.optimizer.ImageCalibrationData;
import dev.outpost.optimizer.MagnitudePruner;
import dev.outpost.optimizer.OptimizerException;
import dev.outpost.optimizer.OrtOfflineOptimizer;
import dev.outpost.optimizer.QuantType;
import dev.outpost.optimizer.QuantizationOptions;
import dev.outpost.optimizer.QuantizationResult;
import dev.outpost.optimizer.Quantizer;
import dev.outpost.optimizer.TargetIsa;
import dev.outpost.optimizer.eval.EvalData;
import dev.outpost.optimizer.eval.EvalResult;
import dev.outpost.optimizer.eval.Evaluator;
import dev.outpost.optimizer.eval.Task;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Npy;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code outpost optimize}: makes a model smaller and faster for a device, and says what it cost. */
@Command(
        name = "optimize",
        sortOptions = false,
        description = {
            "Make a model fit a device: int8 quantization (static with calibration, or dynamic), fp16,"
                    + " magnitude pruning, ONNX Runtime offline graph optimization and ORT format. Passes run in the"
                    + " order prune, int8 or fp16, graph optimization. Every output validates, loads in ONNX Runtime"
                    + " and is compared with the original; its metadata records the source digest, passes and"
                    + " options, calibration data and Outpost version. Nothing is written when a step fails.",
            "",
            "Static int8 runs the model on calibration data (images through the model's pipeline, .npy tensors,"
                    + " or 'random' for speed tests only) to find each activation's range, stores weights as"
                    + " per-channel int8 and emits the QDQ pattern that ONNX Runtime fuses into QLinearConv and"
                    + " friends. The 8-bit types follow the target CPU: without VNNI, x86 U8S8 kernels saturate, so"
                    + " weights get 7 bits (reduce-range) unless you say otherwise. --max-accuracy-drop keeps 1, 2,"
                    + " 4, ... nodes in fp32 until the drop on --eval-data is within budget, trying at each size the"
                    + " most quantization-sensitive nodes and the first ones in graph order (where error compounds)."
        },
        footer = {
            "",
            "Examples:",
            "  outpost optimize squeezenet.onnx -o sq-int8.onnx --int8 static \\",
            "      --calibration ../shared/data/imagenet-samples/images --samples 32",
            "  outpost optimize resnet8.onnx -o r8-int8.onnx --int8 static \\",
            "      --calibration cifar/ --method percentile",
            "  outpost optimize yolox.onnx -o yolox-int8.onnx --int8 static \\",
            "      --calibration coco/ --max-accuracy-drop 0.02 --eval-data coco/",
            "  outpost optimize bert.onnx -o bert-int8.onnx --int8 dynamic",
            "  outpost optimize yolox_nano.onnx -o yolox-fp16.onnx --fp16",
            "  outpost optimize model.onnx -o model.ort --graph-opt extended --format ort",
            "  outpost optimize model.onnx -o pruned.onnx --prune 0.5",
            "",
            "Exit status: 0 success, 1 failure (message on stderr), 2 usage error."
        })
final class OptimizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The fp32 .onnx model.")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "Where to write the optimized model (.onnx, or .ort with --format ort).")
    Path output;

    @Option(names = "--int8", paramLabel = "static|dynamic",
            description = "Quantize to int8: static (calibrated activations; CNNs) or dynamic (MatMul/Gemm weights;"
                    + " transformers and recurrent models).")
    String int8;

    @Option(names = "--calibration", paramLabel = "DIR|FILE|random",
            description = "Static int8: a folder of images (run through the model's pipeline), a data set that"
                    + " 'outpost eval' reads (MNIST idx, Visual Wake Words), a .npy file or a folder of .npy files (one"
                    + " sample each, for a one-input model), or 'random'.")
    String calibration;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "100",
            description = "Calibration samples, spread over the data (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--swap-rb", description = "Swap red and blue of calibration images (data sets stored BGR).")
    boolean swapRb;

    @Option(names = "--method", paramLabel = "minmax|mean-minmax|percentile|mse|entropy", defaultValue = "minmax",
            description = "How activation ranges are chosen (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--percentile", paramLabel = "P", defaultValue = "99.999",
            description = "Percentile method: share of values kept (default: ${DEFAULT-VALUE}).")
    double percentile;

    @Option(names = "--bins", paramLabel = "N", defaultValue = "2048",
            description = "Histogram bins for percentile and entropy (default: ${DEFAULT-VALUE}).")
    int bins;

    @Option(names = "--quantized-bins", paramLabel = "N", defaultValue = "128",
            description = "Entropy method: levels simulated in the threshold search (default: ${DEFAULT-VALUE}).")
    int quantizedBins;

    @Option(names = "--per-channel", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "One weight scale per output channel of Conv/Gemm and per column of MatMul (default: on; --no-per-channel for one"
                    + " per tensor).")
    boolean perChannel;

    @Option(names = "--weights", paramLabel = "int8|uint8", defaultValue = "int8",
            description = "Weight type (default: ${DEFAULT-VALUE}).")
    String weights;

    @Option(names = "--activations", paramLabel = "uint8|int8", defaultValue = "uint8",
            description = "Activation type (default: ${DEFAULT-VALUE}).")
    String activations;

    @Option(names = "--reduce-range", negatable = true, paramLabel = "",
            description = "Force 7-bit weights on or off (default: decided by --target).")
    Boolean reduceRange;

    @Option(names = "--target", paramLabel = "auto|vnni|avx2|arm", defaultValue = "auto",
            description = "The CPU the model is for (default: ${DEFAULT-VALUE}, this machine).")
    String target;

    @Option(names = "--exclude-op", paramLabel = "OP", split = ",",
            description = "Operator types to keep in float, e.g. Concat,Resize.")
    List<String> excludeOps = List.of();

    @Option(names = "--exclude-node", paramLabel = "NAME", split = ",", description = "Node names to keep in float.")
    List<String> excludeNodes = List.of();

    @Option(names = "--depthwise-per-channel", negatable = true, paramLabel = "",
            description = "Per-channel weights for depthwise convolutions too (default: decided per layer: per tensor"
                    + " when the channels' weight ranges are alike, since ONNX Runtime's per-channel depthwise int8"
                    + " kernels are slower).")
    Boolean depthwisePerChannel;

    @Option(names = "--max-accuracy-drop", paramLabel = "POINTS",
            description = "Mixed precision: keep the most quantization-sensitive nodes, or the first ones in graph"
                    + " order, in fp32 until the drop on --eval-data is at most this (top-1 in percentage points for"
                    + " classifiers, mAP@0.5 for detectors).")
    Double maxAccuracyDrop;

    @Option(names = "--eval-data", paramLabel = "DIR|FILE",
            description = "Labeled data for --max-accuracy-drop, in any format 'outpost eval' reads.")
    Path evalData;

    @Option(names = "--eval-limit", paramLabel = "N", defaultValue = "500",
            description = "At most N evaluation samples per step of the search (default: ${DEFAULT-VALUE}).")
    int evalLimit;

    @Option(names = "--no-bias-correction", description = "Do not correct biases for weight rounding.")
    boolean noBiasCorrection;

    @Option(names = "--no-pre-optimize",
            description = "Skip ONNX Runtime's basic optimizations (constant and BatchNorm folding) before quantizing.")
    boolean noPreOptimize;

    @Option(names = "--fp16", description = "Convert weights and compute to fp16 (I/O stays fp32). A size and GPU"
            + " option: x86 CPUs run it no faster.")
    boolean fp16;

    @Option(names = "--prune", paramLabel = "SPARSITY",
            description = "Zero the smallest weights of each Conv/Gemm/MatMul to this share, e.g. 0.5. Shrinks the"
                    + " compressed artifact; dense CPU kernels run no faster.")
    Double prune;

    @Option(names = "--graph-opt", paramLabel = "basic|extended|all",
            description = "Save ONNX Runtime's graph optimizations offline (all is specific to this CPU).")
    String graphOpt;

    @Option(names = "--format", paramLabel = "onnx|ort", defaultValue = "onnx",
            description = "Output format (ort needs --graph-opt; default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed for random data.")
    long seed;

    @Override
    public Integer call() {
        Inputs.model(model);
        if (int8 == null && !fp16 && prune == null && graphOpt == null) {
            throw new CliException("Nothing to do: give at least one of --int8 static|dynamic, --fp16, --prune"
                    + " SPARSITY, --graph-opt LEVEL");
        }
        if (int8 != null && fp16) {
            throw new CliException("--int8 and --fp16 do not combine: choose int8 for CPUs, fp16 for GPUs or size");
        }
        if (samples < 1) {
            throw new CliException("--samples must be at least 1; got " + samples);
        }
        boolean ort = format.equalsIgnoreCase("ort");
        if (!ort && !format.equalsIgnoreCase("onnx")) {
            throw new CliException("--format must be onnx or ort; got " + format);
        }
        if (ort && graphOpt == null) {
            throw new CliException("--format ort needs --graph-opt basic|extended|all (ONNX Runtime writes the format)");
        }
        QuantizationOptions quantization = int8 == null ? null : quantizationOptions();
        if ((maxAccuracyDrop == null) != (evalData == null)) {
            throw new CliException("--max-accuracy-drop and --eval-data go together: the drop is measured on that data");
        }
        if (maxAccuracyDrop != null && (quantization == null || quantization.mode() != QuantizationOptions.Mode.STATIC)) {
            throw new CliException("--max-accuracy-drop needs --int8 static (mixed precision keeps nodes of a static"
                    + " int8 model in fp32)");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> temporary = new ArrayList<>();
        CalibrationData data = null;
        try (InferenceEngine engine = InferenceEngine.create()) {
            Path current = model;
            if (prune != null) {
                Path next = stage(temporary, "prune");
                MagnitudePruner.Result result = MagnitudePruner.create(MagnitudePruner.Options.of(prune))
                        .prune(current, next);
                out.printf("[prune]  sparsity %.1f%% over %d layers; gzip size %s -> %s (%.2fx)%n",
                        100 * result.sparsity(), result.layers().size(), Bytes.human(result.compressedBefore()),
                        Bytes.human(result.compressedAfter()), result.compressedRatio());
                current = next;
            }
            if (quantization != null) {
                Path next = stage(temporary, "int8");
                data = quantization.mode() == QuantizationOptions.Mode.STATIC ? calibrationData(engine, current) : null;
                QuantizationResult result;
                if (maxAccuracyDrop != null) {
                    try (Evaluator evaluator = Evaluator.create(EvalData.open(evalData, EvalData.ALL == evalLimit
                            ? EvalData.ALL : evalLimit))) {
                        Path reference = current;
                        String metric = evaluator.data().task() == Task.DETECT ? EvalResult.MAP50 : EvalResult.TOP1;
                        double scale = metric.equals(EvalResult.TOP1) ? 100 : 1;
                        AccuracyBudget budget = new AccuracyBudget(maxAccuracyDrop, metric, candidate -> scale
                                * evaluator.evaluate(candidate, java.util.Optional.empty(), java.util.Optional.of(reference))
                                        .metric(metric).orElseThrow(() -> new CliException("--eval-data "
                                                + evalData + " has no labels to measure " + metric + " on")));
                        result = new Quantizer(engine).quantize(current, next, quantization, data, budget,
                                progress -> progress(err, progress));
                    }
                } else {
                    result = new Quantizer(engine).quantize(current, next, quantization, data,
                            progress -> progress(err, progress));
                }
                printQuantization(out, result);
                current = next;
            }
            if (fp16) {
                Path next = stage(temporary, "fp16");
                Fp16Converter.Result result = Fp16Converter.create(engine, Fp16Converter.Options.defaults())
                        .convert(current, next);
                out.printf("[fp16]   %d initializers to fp16, %d kept fp32, %d casts; size %.2fx%n",
                        result.convertedInitializers(), result.float32Initializers(), result.castsInserted(),
                        result.sizeRatio());
                current = next;
            }
            if (graphOpt != null) {
                Path next = ort ? output : stage(temporary, "graph");
                OrtOfflineOptimizer.Result result = OrtOfflineOptimizer.create(engine, OrtOfflineOptimizer.Options.of(
                        OrtOfflineOptimizer.parseLevel(graphOpt), ort ? OrtOfflineOptimizer.Format.ORT
                                : OrtOfflineOptimizer.Format.ONNX)).optimize(current, next);
                out.printf("[graph]  %s: %d nodes -> %d%s%n", graphOpt.toLowerCase(Locale.ROOT), result.nodesBefore(),
                        result.nodesAfter(), result.hardwareSpecific() ? " (specific to this CPU)" : "");
                current = next;
            }
            if (!current.equals(output)) {
                Files.createDirectories(output.toAbsolutePath().getParent());
                Files.move(current, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            summary(out, engine, data);
            return 0;
        } catch (OptimizerException e) {
            throw new CliException(e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException("Cannot write " + output + ": " + e.getMessage(), e);
        } finally {
            for (Path file : temporary) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file; the OS cleans it up
                }
            }
        }
    }

    private QuantizationOptions quantizationOptions() {
        QuantizationOptions.Mode mode = switch (int8.toLowerCase(Locale.ROOT)) {
            case "static" -> QuantizationOptions.Mode.STATIC;
            case "dynamic" -> QuantizationOptions.Mode.DYNAMIC;
            default -> throw new CliException("--int8 must be static or dynamic; got " + int8);
        };
        if (mode == QuantizationOptions.Mode.STATIC && calibration == null) {
            throw new CliException("--int8 static needs --calibration DIR|FILE|random: the activation ranges come"
                    + " from running the model on representative inputs");
        }
        try {
            QuantizationOptions.Builder builder = QuantizationOptions.builder()
                    .mode(mode)
                    .method(CalibrationMethod.parse(method))
                    .percentile(percentile)
                    .bins(bins)
                    .quantizedBins(quantizedBins)
                    .perChannel(perChannel)
                    .weights(QuantType.parse(weights))
                    .activations(QuantType.parse(activations))
                    .target(TargetIsa.parse(target))
                    .excludeOps(Set.copyOf(excludeOps))
                    .excludeNodes(Set.copyOf(excludeNodes))
                    .biasCorrection(!noBiasCorrection)
                    .preOptimize(!noPreOptimize);
            if (reduceRange != null) {
                builder.reduceRange(reduceRange);
            }
            if (depthwisePerChannel != null) {
                builder.depthwisePerChannel(depthwisePerChannel);
            }
            return builder.build();
        } catch (OptimizerException e) {
            throw new CliException(e.getMessage(), e);
        }
    }

    private CalibrationData calibrationData(InferenceEngine engine, Path source) {
        if (calibration.equalsIgnoreCase("random")) {
            try (ModelSession session = engine.open(source)) {
                return CalibrationData.random(session.inputs(), samples, seed);
            }
        }
        Path path = Path.of(calibration);
        if (!Files.exists(path)) {
            throw new CliException("--calibration " + calibration + ": no such file or folder");
        }
        List<Path> npy = npyFiles(path);
        if (npy.isEmpty() && isLabeledDataSet(path)) {
            // MNIST idx or Visual Wake Words: read by the eval package, which knows their quirks
            EvalData set = EvalData.open(path, samples);
            List<dev.outpost.runtime.Image> images = set.images();
            return ImageCalibrationData.of(source, engine, images.size(), images::get, images.size() + " images of "
                    + set.describe(), "dataset:" + set.format() + ":" + path.toAbsolutePath() + ":" + images.size());
        }
        if (npy.isEmpty()) {
            return ImageCalibrationData.folder(source, engine, path, samples, swapRb);
        }
        List<TensorSpec> inputs;
        try (ModelSession session = engine.open(source)) {
            inputs = session.inputs();
        }
        if (inputs.size() != 1) {
            throw new CliException("--calibration with .npy files needs a model with one input; " + source
                    + " has " + inputs.size());
        }
        return npyData(inputs.get(0).name(), npy.subList(0, Math.min(samples, npy.size())));
    }

    private static boolean isLabeledDataSet(Path path) {
        if (!Files.isDirectory(path)) {
            return false;
        }
        if (Files.isRegularFile(path.resolve("y_labels.csv"))) {
            return true;
        }
        try (Stream<Path> files = Files.list(path)) {
            return files.anyMatch(p -> p.getFileName().toString().contains("idx3-ubyte"));
        } catch (IOException e) {
            throw new CliException("Cannot list " + path + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> npyFiles(Path path) {
        if (Files.isRegularFile(path)) {
            return path.toString().endsWith(".npy") ? List.of(path) : List.of();
        }
        try (Stream<Path> files = Files.list(path)) {
            return files.filter(p -> p.toString().endsWith(".npy")).sorted().toList();
        } catch (IOException e) {
            throw new CliException("Cannot list " + path + ": " + e.getMessage(), e);
        }
    }

    private static CalibrationData npyData(String input, List<Path> files) {
        return new CalibrationData() {
            @Override
            public int size() {
                return files.size();
            }

            @Override
            public Map<String, Tensor> sample(int index) {
                return Map.of(input, Npy.read(files.get(index)));
            }

            @Override
            public String description() {
                return files.size() + " .npy tensors from " + files.get(0).getParent();
            }

            @Override
            public String digest() {
                return "files:" + HexFormat.of().toHexDigits(files.stream().map(Path::getFileName).toList().hashCode());
            }
        };
    }

    private Path stage(List<Path> temporary, String name) throws IOException {
        Path folder = output.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path file = Files.createTempFile(folder, "." + output.getFileName() + "." + name + "-", ".onnx");
        temporary.add(file);
        return file;
    }

    private static void progress(PrintWriter err, Quantizer.Progress progress) {
        int step = Math.max(1, progress.total() / 10);
        if (progress.done() % step == 0 || progress.done() == progress.total()) {
            err.printf("  %s %d/%d%n", progress.stage(), progress.done(), progress.total());
            err.flush();
        }
    }

    private static void printQuantization(PrintWriter out, QuantizationResult result) {
        out.printf("[int8]   %s%n", result.typeChoice());
        if (!result.opsetChanges().isEmpty()) {
            out.printf("         %s%n", String.join("; ", result.opsetChanges()));
        }
        out.printf("         quantized %s; %d activation ranges from %s%n", result.quantizedOps(),
                result.calibratedTensors(), result.calibration().isEmpty() ? "run time (dynamic)" : result.calibration());
        out.printf("         ONNX Runtime runs %d integer kernels; %d Q/DQ left unfused%n", result.integerKernels(),
                result.unfusedQdq());
        if (!result.mixedPrecision().isEmpty()) {
            out.printf("         mixed precision: fp32 %.3f; %s%n", result.baseline(), result.mixedPrecision().stream()
                    .map(step -> (step.keptFloat() == 0 ? "all int8" : step.keptFloat() + " float (" + step.order().label()
                            + ")") + " -> " + String.format(Locale.ROOT, "%.3f", step.metric()))
                    .collect(java.util.stream.Collectors.joining(", ")));
            out.printf("         most sensitive: %s%n", String.join(", ", result.sensitive()));
        }
        int shown = 0;
        for (Map.Entry<String, String> kept : result.keptFloat().entrySet()) {
            if (shown++ == 20) {
                out.printf("         ... and %d more nodes kept float%n", result.keptFloat().size() - 20);
                break;
            }
            out.printf("         kept float: %s: %s%n", kept.getKey(), kept.getValue());
        }
    }

    /** Size and fidelity of the output against the original, then single-thread latency of both. */
    private void summary(PrintWriter out, InferenceEngine engine, CalibrationData data) {
        long before = size(model);
        long after = size(output);
        out.printf("%nTrade-off (%s -> %s)%n", model.getFileName(), output.getFileName());
        out.printf("  size       %s -> %s (%.2fx)%n", Bytes.human(before), Bytes.human(after), (double) after / before);
        if (output.toString().endsWith(".ort")) {
            return;
        }
        Fidelity.Report fidelity;
        String on;
        if (data != null && !calibration.equalsIgnoreCase("random")) {
            List<Map<String, Tensor>> sets = new ArrayList<>();
            for (int i = 0; i < Math.min(8, data.size()); i++) {
                sets.add(data.sample(i));
            }
            try {
                fidelity = Fidelity.compare(engine, model, output, sets, SessionConfig.defaults());
            } finally {
                sets.forEach(set -> set.values().forEach(Tensor::close));
            }
            on = sets.size() + " calibration samples";
        } else {
            fidelity = Fidelity.compare(engine, model, output, Fidelity.Options.defaults().withSeed(seed));
            on = fidelity.samples() + " seeded random inputs";
        }
        out.printf("  fidelity   %s (on %s; accuracy: 'outpost eval')%n",
                fidelity.outputs().isEmpty() ? "no numeric outputs" : fidelity.outputs().get(0), on);
        ComparisonResult latency = CompareRun.oneThread(engine, model, output, 4, Duration.ofMillis(250));
        double p50Before = latency.medianP50Nanos(0) / 1e6;
        double p50After = latency.medianP50Nanos(1) / 1e6;
        out.printf("  latency    p50 %.2f ms -> %.2f ms (speed-up %.2fx), one thread, interleaved%n", p50Before,
                p50After, p50Before / p50After);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
