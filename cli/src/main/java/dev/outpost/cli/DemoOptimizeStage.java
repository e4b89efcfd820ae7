package dev.outpost.cli;

import dev.outpost.benchmark.ComparisonResult;
import dev.outpost.optimizer.ImageCalibrationData;
import dev.outpost.optimizer.QuantizationOptions;
import dev.outpost.optimizer.QuantizationResult;
import dev.outpost.optimizer.Quantizer;
import dev.outpost.optimizer.eval.EvalData;
import dev.outpost.optimizer.eval.EvalResult;
import dev.outpost.optimizer.eval.Evaluator;
import dev.outpost.optimizer.eval.Task;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.SessionConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The demo's optimize, eval and benchmark stages for a classifier with labeled images: static int8 with
 * a few calibration images through the model's own pipeline, then top-1 of fp32 and int8 on the labeled
 * images side by side, with their agreement, size and one-thread latency, then a single-stream
 * benchmark of the two, interleaved.
 */
final class DemoOptimizeStage {

    private static final int CALIBRATION_IMAGES = 32;

    private final InferenceEngine engine;
    private final PrintWriter out;

    DemoOptimizeStage(InferenceEngine engine, PrintWriter out) {
        this.engine = engine;
        this.out = out;
    }

    /**
     * The benchmark stage: fp32 against int8, single-stream on one thread, interleaved blocks (the same
     * comparison as {@code outpost bench --compare}), with the ratio's 95 % interval.
     */
    private void bench(Path model, Path int8) {
        ComparisonResult result = CompareRun.oneThread(engine, model, int8, 6, Duration.ofMillis(500));
        ComparisonResult.Ratio p50 = result.ratiosOf(result.labels().get(1)).stream()
                .filter(ratio -> ratio.metric().equals("p50 latency")).findFirst().orElseThrow();
        out.printf(Locale.ROOT, "[bench]    single-stream, one thread, 6 interleaved blocks of 0.5 s: p50 fp32 %s,"
                + " int8 %s; int8 %s (p50 ratio %.2f, 95%% interval %.2f-%.2f)%n",
                Text.ms(result.medianP50Nanos(0)), Text.ms(result.medianP50Nanos(1)), p50.verdict(), p50.ratio(),
                p50.low(), p50.high());
    }

    /** Runs both stages; {@code labeled} is a folder that {@code outpost eval} reads (e.g. imagenet-samples). */
    void run(Path model, Path labeled, int evalLimit) throws IOException {
        Path scratch = Files.createTempDirectory("outpost-demo-int8");
        Path int8 = scratch.resolve(model.getFileName().toString().replace(".onnx", "-int8.onnx"));
        try {
            QuantizationResult result = new Quantizer(engine).quantize(model, int8, QuantizationOptions.builder().build(),
                    ImageCalibrationData.folder(model, engine, labeled, CALIBRATION_IMAGES, false), progress -> { });
            out.printf("[optimize] static int8, %d calibration images: %s -> %s (%.2fx); %d integer kernels in ONNX"
                    + " Runtime (%s)%n", CALIBRATION_IMAGES, Bytes.human(result.sourceBytes()),
                    Bytes.human(result.outputBytes()), result.sizeRatio(), result.integerKernels(),
                    Text.ms(result.elapsed()));
            out.printf("           %s%n", result.typeChoice());
            SessionConfig oneThread = SessionConfig.builder().intraOpThreads(1).build();
            try (Evaluator evaluator = Evaluator.create(EvalData.open(labeled, Task.CLASSIFY, evalLimit), oneThread,
                    dev.outpost.optimizer.eval.EvalProgress.NONE)) {
                EvalResult fp32 = evaluator.evaluate(model);
                EvalResult quantized = evaluator.evaluate(int8, Optional.of(model), Optional.of(model));
                out.printf("[eval]     %d labeled images, one thread%n", fp32.samples());
                out.printf(Locale.ROOT, "           fp32  top-1 %5.1f%%  top-5 %5.1f%%  %s per image%n",
                        100 * fp32.top1().orElse(0), 100 * fp32.top5().orElse(0), Text.ms(fp32.latencyMedian()));
                out.printf(Locale.ROOT, "           int8  top-1 %5.1f%%  top-5 %5.1f%%  %s per image; agrees with fp32"
                        + " on %.1f%% of the images%n", 100 * quantized.top1().orElse(0), 100 * quantized.top5().orElse(0),
                        Text.ms(quantized.latencyMedian()), 100 * quantized.agreementTop1().orElse(0));
            }
            bench(model, int8);
        } finally {
            Files.deleteIfExists(int8);
            Files.deleteIfExists(scratch);
        }
    }
}
