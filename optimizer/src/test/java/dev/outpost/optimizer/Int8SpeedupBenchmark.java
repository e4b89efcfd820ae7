package dev.outpost.optimizer;

import dev.outpost.model.OnnxModel;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark (not a test): int8 against fp32 side by side in one JVM, one thread (intra-op 1, spinning
 * off, all optimizations), alternating blocks of 0.5 s, 7 blocks per variant; reports the median of the
 * block p50s and the fp32/int8 ratio per repeat (median and range), sizes, and the optimizer's own time
 * and the process's peak RSS after each model. ResNet-50 and MobileNetV2 are the builder topologies
 * with random weights calibrated on random data; the real models are calibrated on real images that
 * the accuracy tests do not all use. The shipped int8 peers run on the same inputs.
 *
 * <p>Run from the repository root, pinned to one CPU (see scripts/bench-optimizer.sh):
 * <pre>
 * mvn -B -o -q -pl optimizer -am test-compile
 * taskset -c 0 java -cp ... dev.outpost.optimizer.Int8SpeedupBenchmark
 * </pre>
 */
public final class Int8SpeedupBenchmark {

    private static final int REPEATS = 7;

    private Int8SpeedupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path models = Path.of(System.getProperty("outpost.models", "../shared/models"));
        Path data = Path.of(System.getProperty("outpost.data", "../shared/data"));
        Path work = Files.createTempDirectory("outpost-int8-bench");
        List<String> only = args.length > 0 ? List.of(args) : List.of();
        try (InferenceEngine engine = InferenceEngine.create()) {
            System.out.printf("ORT %s, JDK %s, %d CPUs visible, target %s%n", engine.ortVersion(),
                    System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), TargetIsa.detect());
            System.out.println("model | fp32 p50 ms | int8 p50 ms | speed-up median (range) | size ratio | optimizer s | peak RSS MiB");
            if (wanted(only, "resnet50")) {
                Path fp32 = work.resolve("resnet50.onnx");
                TinyModels.resnet50(1, TinyModels.Batch.fixed(1)).write(fp32);
                run(engine, "ResNet-50 (builder, random)", fp32, null, randomData(engine, fp32), work, -2f, 2.5f);
            }
            if (wanted(only, "mobilenetv2")) {
                Path fp32 = work.resolve("mobilenetv2.onnx");
                TinyModels.mobileNetV2(1, TinyModels.Batch.fixed(1)).write(fp32);
                run(engine, "MobileNetV2 (builder, random)", fp32, null, randomData(engine, fp32), work, -2f, 2.5f);
            }
            if (wanted(only, "squeezenet")) {
                Path fp32 = models.resolve("squeezenet1.0-fp32.onnx");
                run(engine, "squeezenet1.0", fp32, null, ImageCalibrationData.folder(fp32, engine,
                        data.resolve("imagenet-samples/images"), 32, false), work, -120f, 150f);
            }
            if (wanted(only, "yolox")) {
                Path fp32 = models.resolve("yolox_nano.onnx");
                run(engine, "yolox_nano", fp32, null, ImageCalibrationData.folder(fp32, engine,
                        data.resolve("coco-val2017-subset/images"), 32, false), work, 0f, 255f);
            }
            if (wanted(only, "resnet8")) {
                Path fp32 = models.resolve("mlperftiny_ic_resnet8_fp32.onnx");
                run(engine, "ResNet-8", fp32, models.resolve("mlperftiny_ic_resnet8_qdq.onnx"),
                        ImageCalibrationData.folder(fp32, engine, data.resolve("cifar10-test-subset"), 100, false),
                        work, 0f, 1f);
            }
            if (wanted(only, "vww")) {
                Path fp32 = models.resolve("mlperftiny_vww_mobilenetv1_fp32.onnx");
                run(engine, "VWW MobileNetV1", fp32, models.resolve("mlperftiny_vww_mobilenetv1_qdq.onnx"),
                        ImageCalibrationData.folder(fp32, engine, data.resolve("vww-96/images"), 100, true),
                        work, 0f, 1f);
            }
            if (wanted(only, "minilm")) {
                Path fp32 = MiniLm.extract(MiniLm.FP32, work);
                Path published = MiniLm.extract(MiniLm.PUBLISHED_INT8, work);
                long[] ids = MiniLm.tokenizer().encode(String.join(" ", MiniLm.sentences(
                        data.toAbsolutePath().getParent(), 3)), 64);
                System.out.println("    MiniLM input: one sequence of " + ids.length + " tokens");
                run(engine, "all-MiniLM-L6-v2 (dynamic)", fp32, published, null, work, session -> MiniLm.inputs(ids));
            }
        }
    }

    private static boolean wanted(List<String> only, String name) {
        return only.isEmpty() || only.contains(name);
    }

    private static CalibrationData randomData(InferenceEngine engine, Path model) {
        try (ModelSession session = engine.open(model)) {
            return CalibrationData.random(session.inputs(), 8, 1);
        }
    }

    private static void run(InferenceEngine engine, String name, Path fp32, Path peer, CalibrationData data, Path work,
            float low, float high) throws Exception {
        run(engine, name, fp32, peer, data, work, session -> Fidelity.randomInputs(session.inputs(),
                Fidelity.Options.defaults().withRange(low, high), new java.util.SplittableRandom(7)));
    }

    private static void run(InferenceEngine engine, String name, Path fp32, Path peer, CalibrationData data, Path work,
            java.util.function.Function<ModelSession, Map<String, Tensor>> inputsFor) throws Exception {
        Path int8 = work.resolve(fp32.getFileName().toString().replace(".onnx", "-int8.onnx"));
        long start = System.nanoTime();
        QuantizationOptions.Builder options = QuantizationOptions.builder()
                .mode(data == null ? QuantizationOptions.Mode.DYNAMIC : QuantizationOptions.Mode.STATIC);
        if (System.getProperty("int8.activations") != null) {
            options.activations(QuantType.parse(System.getProperty("int8.activations")));
        }
        if (System.getProperty("int8.perchannel") != null) {
            options.perChannel(Boolean.parseBoolean(System.getProperty("int8.perchannel")));
        }
        if (System.getProperty("int8.depthwise") != null) {
            options.depthwisePerChannel(Boolean.parseBoolean(System.getProperty("int8.depthwise")));
        }
        if (System.getProperty("int8.exclude") != null) {
            options.excludeOps(java.util.Set.of(System.getProperty("int8.exclude").split(",")));
        }
        QuantizationResult result = new Quantizer(engine).quantize(fp32, int8, options.build(), data, p -> { });
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Path> variants = new ArrayList<>(List.of(fp32, int8));
        if (peer != null) {
            variants.add(peer);
        }
        double[][] p50 = latency(engine, variants, inputsFor);
        double[] ratios = new double[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            ratios[i] = p50[0][i] / p50[1][i];
        }
        Arrays.sort(ratios);
        System.out.printf(Locale.ROOT, "%s | %.2f | %.2f | %.2fx (%.2f-%.2f) | %.2f | %.1f | %d%n", name,
                med(p50[0]), med(p50[1]), ratios[REPEATS / 2], ratios[0], ratios[REPEATS - 1], result.sizeRatio(),
                seconds, peakRssMiB());
        System.out.printf(Locale.ROOT, "    integer kernels %d, unfused Q/DQ %d, quantized %s%n",
                result.integerKernels(), result.unfusedQdq(), result.quantizedOps());
        if (peer != null) {
            double[] peerRatios = new double[REPEATS];
            for (int i = 0; i < REPEATS; i++) {
                peerRatios[i] = p50[2][i] / p50[1][i];
            }
            Arrays.sort(peerRatios);
            System.out.printf(Locale.ROOT, "    shipped %s p50 %.2f ms; shipped/ours %.2f (%.2f-%.2f); size ours %d B,"
                    + " shipped %d B%n", peer.getFileName(), med(p50[2]), peerRatios[REPEATS / 2], peerRatios[0],
                    peerRatios[REPEATS - 1], Files.size(int8), Files.size(peer));
        }
        System.out.flush();
    }

    /** Block p50s per variant and repeat, the variants interleaved. */
    private static double[][] latency(InferenceEngine engine, List<Path> variants,
            java.util.function.Function<ModelSession, Map<String, Tensor>> inputsFor) {
        SessionConfig config = SessionConfig.builder().intraOpThreads(1).spinning(false).build();
        List<ModelSession> sessions = new ArrayList<>();
        try {
            for (Path variant : variants) {
                sessions.add(engine.open(variant, config));
            }
            // each variant gets its own inputs (a shipped peer may take NHWC), from the same seed
            List<Map<String, Tensor>> inputs = new ArrayList<>();
            for (ModelSession session : sessions) {
                inputs.add(inputsFor.apply(session));
            }
            try {
                for (int v = 0; v < sessions.size(); v++) {
                    Fp16LatencyBenchmark.block(sessions.get(v), inputs.get(v), 0.3);
                }
                double[][] p50 = new double[variants.size()][REPEATS];
                for (int repeat = 0; repeat < REPEATS; repeat++) {
                    for (int v = 0; v < sessions.size(); v++) {
                        double[] times = Fp16LatencyBenchmark.block(sessions.get(v), inputs.get(v), 0.5);
                        p50[v][repeat] = times[times.length / 2];
                    }
                }
                return p50;
            } finally {
                inputs.forEach(set -> set.values().forEach(Tensor::close));
            }
        } finally {
            sessions.forEach(ModelSession::close);
        }
    }

    private static double med(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long peakRssMiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
