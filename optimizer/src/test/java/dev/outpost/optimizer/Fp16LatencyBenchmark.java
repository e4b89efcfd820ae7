package dev.outpost.optimizer;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Benchmark (not a test): float16 against float32 for squeezenet1.0 and yolox_nano, side by side in one
 * JVM and one thread (intra-op 1, spinning off, ALL optimizations): file and gzip sizes, then latency in
 * alternating blocks of {@value #BLOCK_SECONDS} s, {@value #REPEATS} blocks per variant. Reports the
 * median of the block p50s per variant and the fp16/fp32 p50 ratio per repeat (median and range). Then
 * the pruning curve of squeezenet (per layer): file size, gzip size and, as a stand-in for accuracy, the
 * cosine to the float32 outputs on 4 random normalized inputs (the eval package measures accuracy).
 *
 * <p>Run from the repository root, pinned to one CPU:
 * <pre>
 * export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 * mvn -B -o -q -pl optimizer -am test-compile
 * M2=$HOME/.m2/repository
 * taskset -c 0 $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -Doutpost.models=../shared/models \
 *   -cp optimizer/target/classes:optimizer/target/test-classes:model-format/target/classes:runtime/target/classes:$M2/com/google/protobuf/protobuf-java/4.32.1/protobuf-java-4.32.1.jar:$M2/com/microsoft/onnxruntime/onnxruntime/1.29.0/onnxruntime-1.29.0.jar \
 *   dev.outpost.optimizer.Fp16LatencyBenchmark
 * </pre>
 */
public final class Fp16LatencyBenchmark {

    private static final int REPEATS = 7;
    private static final double BLOCK_SECONDS = 0.5;

    private Fp16LatencyBenchmark() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        Path models = Path.of(System.getProperty("outpost.models", "../shared/models"));
        Path work = Files.createTempDirectory("outpost-fp16-bench");
        try (InferenceEngine engine = InferenceEngine.create()) {
            System.out.printf("ORT %s, JDK %s, %d CPUs visible%n", engine.ortVersion(),
                    System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            if (args.length == 0 || !args[0].equals("prune")) {
                fp16(engine, models.resolve("squeezenet1.0-fp32.onnx"), work.resolve("squeezenet-fp16.onnx"), -2f, 2.5f);
                fp16(engine, models.resolve("yolox_nano.onnx"), work.resolve("yolox-fp16.onnx"), 0f, 255f);
            }
            pruningCurve(engine, models.resolve("squeezenet1.0-fp32.onnx"));
        } finally {
            try (var files = Files.list(work)) {
                files.forEach(PassSupport::deleteQuietly);
            }
            Files.deleteIfExists(work);
        }
    }

    private static void fp16(InferenceEngine engine, Path source, Path target, float low, float high) {
        Fp16Converter.Options options = Fp16Converter.Options.builder()
                .fidelity(Fidelity.Options.defaults().withRange(low, high)).build();
        Fp16Converter.Result result = Fp16Converter.create(engine, options).convert(source, target);
        System.out.printf(Locale.ROOT, "%n%s: fp32 %d B (gzip %d), fp16 %d B (gzip %d), size ratio %.3f, gzip ratio"
                + " %.3f, cosine %.6f, argmax agreement %.2f%n", source.getFileName(), result.bytesBefore(),
                MagnitudePruner.gzipSize(source), result.bytesAfter(), MagnitudePruner.gzipSize(target),
                result.sizeRatio(), (double) MagnitudePruner.gzipSize(target) / MagnitudePruner.gzipSize(source),
                result.fidelity().orElseThrow().minCosine(),
                result.fidelity().orElseThrow().outputs().get(0).argmaxAgreement());
        SessionConfig config = SessionConfig.builder().intraOpThreads(1).spinning(false).build();
        try (ModelSession fp32 = engine.open(source, config); ModelSession fp16 = engine.open(target, config)) {
            Map<String, Tensor> inputs = Fidelity.randomInputs(fp32.inputs(),
                    Fidelity.Options.defaults().withRange(low, high), new SplittableRandom(7));
            List<ModelSession> sessions = List.of(fp32, fp16);
            List<List<Double>> p50s = List.of(new ArrayList<>(), new ArrayList<>());
            for (ModelSession session : sessions) {
                block(session, inputs, 0.3); // warm-up
            }
            for (int repeat = 0; repeat < REPEATS; repeat++) {
                for (int v = 0; v < 2; v++) {
                    double[] times = block(sessions.get(v), inputs, BLOCK_SECONDS);
                    p50s.get(v).add(times[times.length / 2]);
                }
            }
            double[] ratios = new double[REPEATS];
            for (int i = 0; i < REPEATS; i++) {
                ratios[i] = p50s.get(1).get(i) / p50s.get(0).get(i);
            }
            Arrays.sort(ratios);
            System.out.printf(Locale.ROOT, "  latency p50 (median of %d blocks): fp32 %.2f ms, fp16 %.2f ms;"
                    + " fp16/fp32 %.3f (range %.3f-%.3f)%n", REPEATS, median(p50s.get(0)), median(p50s.get(1)),
                    ratios[REPEATS / 2], ratios[0], ratios[REPEATS - 1]);
            inputs.values().forEach(Tensor::close);
        }
    }

    static double[] block(ModelSession session, Map<String, Tensor> inputs, double seconds) {
        List<Double> times = new ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end || times.size() < 5) {
            long start = System.nanoTime();
            try (Outputs outputs = session.run(inputs)) {
                outputs.first().getFloat(0);
            }
            times.add((System.nanoTime() - start) / 1e6);
        }
        return times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static void pruningCurve(InferenceEngine engine, Path source) {
        Path data = Path.of(System.getProperty("outpost.data", "../shared/data")).resolve("imagenet-samples");
        System.out.printf(Locale.ROOT, "%n%s pruning curve (per layer; gzip level 6; source gzip %d B); top-1 on the"
                + " 200 imagenet-samples images:%n", source.getFileName(), MagnitudePruner.gzipSize(source));
        try (dev.outpost.optimizer.eval.Evaluator evaluator = dev.outpost.optimizer.eval.Evaluator.create(
                dev.outpost.optimizer.eval.EvalData.open(data, dev.outpost.optimizer.eval.Task.CLASSIFY,
                        dev.outpost.optimizer.eval.EvalData.ALL))) {
            List<MagnitudePruner.CurvePoint> curve = MagnitudePruner.curve(source, MagnitudePruner.DEFAULT_CURVE,
                    MagnitudePruner.Options.of(0), model -> evaluator.evaluate(model, java.util.Optional.empty(),
                            java.util.Optional.of(source)).top1().orElseThrow());
            System.out.println("  target  achieved  bytes      gzip bytes  gzip/dense-gzip  top-1");
            long base = curve.get(0).compressedBytes();
            for (MagnitudePruner.CurvePoint point : curve) {
                System.out.printf(Locale.ROOT, "  %.2f    %.3f     %d    %d     %.3f            %.1f%%%n",
                        point.targetSparsity(), point.achievedSparsity(), point.bytes(), point.compressedBytes(),
                        (double) point.compressedBytes() / base, 100 * point.accuracy());
            }
        }
    }

}
