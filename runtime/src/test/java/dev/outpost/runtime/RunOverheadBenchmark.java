package dev.outpost.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (not a test): the per-call cost of {@link ModelSession#run} against a plain ONNX Runtime
 * Java loop on the same model and input, side by side in one JVM and one thread (intra-op 1,
 * spinning off, ALL optimizations for both), in alternating blocks. Three variants run:
 * {@code raw} (one reused {@link OnnxTensor} input over the same direct buffer; {@code run}; each
 * output read with {@code getByteBuffer()}; {@code Result} closed), {@code ours-pinned} (our default:
 * outputs of static shape written by ORT into our buffers) and {@code ours-copy} (pinning off, outputs
 * copied out of ORT). Each reads all outputs into Java memory and closes them. Reports p50/p90/min
 * per variant over all blocks, and the p50 ratio ours/raw per repeat (median and range).
 *
 * <p>Run from the repository root, pinned to one CPU:
 * <pre>
 * export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 * mvn -B -o -q -pl runtime -am test-compile
 * taskset -c 0 $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED \
 *   -cp runtime/target/classes:runtime/target/test-classes:$HOME/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.29.0/onnxruntime-1.29.0.jar \
 *   dev.outpost.runtime.RunOverheadBenchmark ../shared/models/mnist_cntk.onnx
 * </pre>
 * It always measures {@code squeezenet1.0-fp32.onnx} from {@code -Doutpost.models} (default
 * {@code ../shared/models}), then every model given as an argument: a path, or
 * {@code builder:resnet50} / {@code builder:mobilenetv2} for the tiny-model builder's topologies with
 * random weights (seed 1, batch 1; add {@code testing/target/classes},
 * {@code model-format/target/classes} and the protobuf jar to the class path). Inputs are zero tensors of
 * the declared shapes (dynamic dimensions set to 1).
 */
public final class RunOverheadBenchmark {

    private static final int REPEATS = 7;
    private static final double BLOCK_SECONDS = 0.4;
    private static final List<String> VARIANTS = List.of("raw", "ours-pinned", "ours-copy");

    private RunOverheadBenchmark() {
    }

    /** Runs the benchmark; arguments are extra model paths. */
    public static void main(String[] args) throws Exception {
        List<Path> models = new ArrayList<>();
        models.add(Path.of(System.getProperty("outpost.models", "../shared/models"), "squeezenet1.0-fp32.onnx"));
        for (String arg : args) {
            models.add(arg.startsWith("builder:") ? builderModel(arg.substring("builder:".length())) : Path.of(arg));
        }
        try (InferenceEngine engine = InferenceEngine.create()) {
            System.out.printf("ORT %s, JDK %s, %d CPUs visible%n", engine.ortVersion(),
                    System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            for (Path model : models) {
                measure(engine, model);
            }
        }
    }

    /** Writes a builder topology (random weights, seed 1, batch 1) to a temporary file. */
    private static Path builderModel(String name) throws java.io.IOException {
        dev.outpost.model.OnnxModel model = switch (name) {
            case "resnet50" -> dev.outpost.testing.TinyModels.resnet50(1, dev.outpost.testing.TinyModels.Batch.fixed(1));
            case "mobilenetv2" -> dev.outpost.testing.TinyModels.mobileNetV2(1, dev.outpost.testing.TinyModels.Batch.fixed(1));
            default -> throw new IllegalArgumentException("Unknown builder model '" + name
                    + "'; expected resnet50 or mobilenetv2");
        };
        Path file = java.nio.file.Files.createTempFile("outpost-" + name + "-", ".onnx");
        file.toFile().deleteOnExit();
        model.write(file);
        return file;
    }

    private static void measure(InferenceEngine engine, Path model) throws OrtException {
        SessionConfig config = SessionConfig.builder().intraOpThreads(1).interOpThreads(1).spinning(false).build();
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (ModelSession ours = engine.open(model, config);
             OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            Map<String, Tensor> inputs = zeroInputs(ours);
            Map<String, OnnxTensor> rawInputs = new LinkedHashMap<>();
            try (OrtSession raw = environment.createSession(model.toString(), options)) {
                for (var entry : inputs.entrySet()) {
                    Tensor tensor = entry.getValue();
                    rawInputs.put(entry.getKey(), OnnxTensor.createTensor(environment, tensor.buffer(), tensor.shape(),
                            OrtTypes.javaTypeOf(tensor.type()).orElseThrow()));
                }
                Map<String, Call> calls = new LinkedHashMap<>();
                calls.put("raw", () -> {
                    try (OrtSession.Result result = raw.run(rawInputs)) {
                        long sink = 0;
                        for (Map.Entry<String, OnnxValue> output : result) {
                            sink += ((OnnxTensor) output.getValue()).getByteBuffer().capacity();
                        }
                        return sink;
                    }
                });
                calls.put("ours-pinned", () -> {
                    ours.pinOutputs(true);
                    return sinkOf(ours.run(inputs));
                });
                calls.put("ours-copy", () -> {
                    ours.pinOutputs(false);
                    return sinkOf(ours.run(inputs));
                });
                report(model, calls);
            } finally {
                rawInputs.values().forEach(OnnxTensor::close);
                inputs.values().forEach(Tensor::close);
            }
        }
    }

    private static Map<String, Tensor> zeroInputs(ModelSession session) {
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : session.inputs()) {
            long[] shape = spec.shapeArray();
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Math.max(shape[i], 1);
            }
            inputs.put(spec.name(), Tensor.allocate(spec.type(), shape));
        }
        return inputs;
    }

    private static long sinkOf(Outputs outputs) {
        try (outputs) {
            long sink = 0;
            for (Map.Entry<String, Tensor> output : outputs) {
                sink += output.getValue().buffer().capacity();
            }
            return sink;
        }
    }

    @FunctionalInterface
    private interface Call {
        long run() throws OrtException;
    }

    private static void report(Path model, Map<String, Call> calls) throws OrtException {
        long sink = 0;
        long warmStart = System.nanoTime();
        int warmRuns = 0;
        while (System.nanoTime() - warmStart < 3_000_000_000L || warmRuns < 300) {
            for (Call call : calls.values()) {
                sink += call.run();
            }
            warmRuns++;
        }
        double perCallNanos = (System.nanoTime() - warmStart) / (double) (warmRuns * calls.size());
        int block = (int) Math.max(30, Math.min(20_000, BLOCK_SECONDS * 1e9 / perCallNanos));
        Map<String, List<Long>> all = new LinkedHashMap<>();
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        VARIANTS.forEach(variant -> all.put(variant, new ArrayList<>()));
        for (int repeat = 0; repeat < REPEATS; repeat++) {
            Map<String, Long> p50s = new LinkedHashMap<>();
            List<String> order = new ArrayList<>(VARIANTS);
            if (repeat % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (String variant : order) {
                long[] times = new long[block];
                Call call = calls.get(variant);
                for (int i = 0; i < block; i++) {
                    long start = System.nanoTime();
                    sink += call.run();
                    times[i] = System.nanoTime() - start;
                }
                Arrays.sort(times);
                p50s.put(variant, times[block / 2]);
                for (long time : times) {
                    all.get(variant).add(time);
                }
            }
            for (String variant : VARIANTS.subList(1, VARIANTS.size())) {
                ratios.computeIfAbsent(variant, key -> new ArrayList<>())
                        .add(p50s.get(variant) / (double) p50s.get("raw"));
            }
        }
        System.out.printf(Locale.ROOT, "%n%s: %d repeats x %d calls per variant (sink %d)%n",
                model.getFileName(), REPEATS, block, sink);
        for (String variant : VARIANTS) {
            long[] times = all.get(variant).stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "  %-12s p50 %10.1f us   p90 %10.1f us   min %10.1f us%n", variant,
                    times[times.length / 2] / 1e3, times[(int) (times.length * 0.9)] / 1e3, times[0] / 1e3);
        }
        ratios.forEach((variant, values) -> {
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "  p50 ratio %s/raw: median %.3f (range %.3f..%.3f over %d repeats)%n",
                    variant, sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1], sorted.length);
        });
    }
}
