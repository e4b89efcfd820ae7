package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.optimizer.eval.EvalData;
import dev.outpost.optimizer.eval.EvalResult;
import dev.outpost.optimizer.eval.Evaluator;
import dev.outpost.optimizer.eval.Task;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * YOLOX-nano to static int8 on the 64 COCO val2017 images. Fully int8 it loses about 0.1 mAP@0.5
 * (its SiLU activations are heavy-tailed: 8 bits give every layer only about 20 dB SQNR, and the
 * error compounds), as post-training int8 of YOLOX does in TensorRT and TFLite too. The 0.02
 * is reached through mixed precision: the test asks for a drop of at most 0.02 and checks that the
 * written model meets it while almost all of the network stays int8 (at most 16 float nodes, at
 * least 108 of its 113 convolutions quantized): keeping the stem float is what it takes.
 * Calibration takes 16 of the same images: the shared data has no other labeled COCO images.
 */
class DetectionQuantizationTest {

    @TempDir
    Path dir;

    @Test
    void yolox_nano_mixed_precision_meets_a_map50_budget_of_two_hundredths() {
        Path fp32 = SharedFixtures.model("yolox_nano.onnx");
        Path data = SharedFixtures.data("coco-val2017-subset");
        Path int8 = dir.resolve("yolox-int8.onnx");
        try (InferenceEngine engine = InferenceEngine.create();
                Evaluator evaluator = Evaluator.create(EvalData.open(data, Task.DETECT, EvalData.ALL))) {
            AccuracyBudget budget = new AccuracyBudget(0.02, EvalResult.MAP50, model -> evaluator.evaluate(model,
                    Optional.empty(), Optional.of(fp32)).map50().orElseThrow());
            QuantizationResult result = new Quantizer(engine).quantize(fp32, int8, QuantizationOptions.builder().build(),
                    ImageCalibrationData.folder(fp32, engine, data.resolve("images"), 16, false), budget, p -> { });

            double written = evaluator.evaluate(int8, Optional.empty(), Optional.of(fp32)).map50().orElseThrow();
            System.out.printf("yolox_nano mAP@0.5 fp32 %.3f, steps %s, written %.3f; most sensitive %s%n",
                    result.baseline(), result.mixedPrecision(), written, result.sensitive());
            assertThat(written).isGreaterThanOrEqualTo(result.baseline() - 0.02);
            assertThat(result.mixedPrecision().getFirst().order()).isEqualTo(AccuracyBudget.Order.NONE);
            AccuracyBudget.Step chosen = result.mixedPrecision().stream()
                    .filter(step -> step.metric() == written).reduce((a, b) -> b).orElseThrow();
            assertThat(chosen.keptFloat()).isPositive().isLessThanOrEqualTo(16);
            assertThat(result.keptFloat().values()).filteredOn(why -> why.startsWith("mixed precision"))
                    .hasSize(chosen.keptFloat()).allMatch(why -> why.contains(chosen.order().describe(chosen.keptFloat())));
            assertThat(result.quantizedOps().get("Conv")).isGreaterThanOrEqualTo(108);
        }
    }
}
