package dev.outpost.optimizer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.optimizer.OptimizerException;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.testing.SharedFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the shared models and data, against the reference figures of shared/data/SOURCES.md.
 * Each test opens its own data set (decoded once for the models it evaluates). Prints each measured
 * figure next to its reference.
 */
class EvaluatorRealModelsTest {

    private static void report(String what, double measured, double reference) {
        System.out.printf("eval: %-60s measured %8.4f  reference %8.4f%n", what, measured, reference);
    }

    @Test
    void squeezenet_on_imagenet_samples_scores_the_reference_top1_and_agrees_with_itself_and_its_fp16_copy() {
        Path fp32 = SharedFixtures.model("squeezenet1.0-fp32.onnx");
        Path fp16 = SharedFixtures.model("squeezenet1.0-fp16.onnx");
        EvalData data = EvalData.open(SharedFixtures.data("imagenet-samples"), EvalData.ALL);
        try (Evaluator evaluator = Evaluator.create(data)) {
            EvalResult original = evaluator.evaluate(fp32);
            EvalResult self = evaluator.evaluate(fp32, Optional.of(fp32));
            EvalResult half = evaluator.evaluate(fp16, Optional.of(fp32));

            report("imagenet-samples squeezenet1.0-fp32 top-1", original.top1().orElseThrow(), 0.680);
            report("imagenet-samples squeezenet1.0-fp32 top-5", original.top5().orElseThrow(), 0.890);
            report("imagenet-samples squeezenet1.0-fp16 vs fp32 SQNR dB", half.sqnrDb().orElseThrow(), Double.NaN);
            assertThat(data.format()).isEqualTo(DataFormat.LABELS_CSV);
            assertThat(data.task()).isEqualTo(Task.CLASSIFY);
            assertThat(original.samples()).isEqualTo(200);
            assertThat(original.top1().orElseThrow()).isCloseTo(0.680, within(0.01));
            assertThat(original.top5().orElseThrow()).isCloseTo(0.890, within(0.01));
            assertThat(original.pipeline()).isEqualTo("catalog");
            assertThat(original.fidelity()).isEmpty();
            assertThat(original.latencyMedian()).isPositive();

            assertThat(self.top1()).isEqualTo(original.top1());
            assertThat(self.agreementTop1()).hasValue(1.0);
            assertThat(self.cosineMean().orElseThrow()).isEqualTo(1.0, within(1e-9));
            assertThat(self.sqnrDb()).hasValue(Double.POSITIVE_INFINITY);
            assertThat(self.metric(EvalResult.MAX_ABS_ERROR)).hasValue(0.0);

            assertThat(half.top1().orElseThrow()).isCloseTo(0.680, within(0.01));
            assertThat(half.agreementTop1().orElseThrow()).isGreaterThan(0.97);
            assertThat(half.cosineMean().orElseThrow()).isGreaterThan(0.999);
            assertThat(half.sqnrDb().orElseThrow()).isGreaterThan(30);
            assertThat(half.fidelity()).singleElement().satisfies(output -> {
                assertThat(output.valuesPerSample()).isEqualTo(1000);
                assertThat(output.agreementTop1()).isPresent();
            });
        }
    }

    @Test
    void mnist_cntk_on_an_mnist_subset_is_within_a_point_of_the_full_set_figure() {
        Path model = SharedFixtures.model("mnist_cntk.onnx");
        EvalData data = EvalData.open(SharedFixtures.data("mnist"), Task.CLASSIFY, 2000);
        try (Evaluator evaluator = Evaluator.create(data)) {
            EvalResult result = evaluator.evaluate(model);

            report("mnist (2000 of 10000) mnist_cntk top-1", result.top1().orElseThrow(), 0.9891);
            assertThat(data.format()).isEqualTo(DataFormat.MNIST_IDX);
            assertThat(data.available()).isEqualTo(10_000);
            assertThat(result.samples()).isEqualTo(2000);
            assertThat(result.top1().orElseThrow()).isCloseTo(0.9891, within(0.01));
        }
    }

    @Test
    void resnet8_on_cifar10_and_its_qdq_copy_against_it() {
        Path fp32 = SharedFixtures.model("mlperftiny_ic_resnet8_fp32.onnx");
        Path qdq = SharedFixtures.model("mlperftiny_ic_resnet8_qdq.onnx");
        EvalData data = EvalData.open(SharedFixtures.data("cifar10-test-subset"), EvalData.ALL);
        List<String> finishedRuns = new ArrayList<>();
        EvalProgress progress = (phase, done, total) -> {
            if (done == total) {
                finishedRuns.add(phase);
            }
        };
        try (Evaluator evaluator = Evaluator.create(data, SessionConfig.defaults(), progress)) {
            EvalResult original = evaluator.evaluate(fp32);
            EvalResult quantized = evaluator.evaluate(qdq, Optional.of(fp32));
            EvalResult again = evaluator.evaluate(qdq, Optional.of(fp32));

            assertThat(finishedRuns).as("each model runs once: the outputs of the reference and of the last model"
                    + " are kept").containsExactly("mlperftiny_ic_resnet8_fp32.onnx classify",
                    "mlperftiny_ic_resnet8_qdq.onnx classify");
            assertThat(again.metrics()).isEqualTo(quantized.metrics());

            report("cifar10-test-subset resnet8 fp32 top-1", original.top1().orElseThrow(), 0.751);
            report("cifar10-test-subset resnet8 qdq top-1", quantized.top1().orElseThrow(), 0.743);
            report("cifar10-test-subset resnet8 qdq agreement", quantized.agreementTop1().orElseThrow(), Double.NaN);
            assertThat(data.classCount()).isEqualTo(10);
            assertThat(original.top1().orElseThrow()).isCloseTo(0.751, within(0.01));
            assertThat(quantized.top1().orElseThrow()).isCloseTo(0.743, within(0.01));
            assertThat(quantized.agreementTop1().orElseThrow()).isBetween(0.8, 0.999);
        }
    }

    @Test
    void visual_wake_words_data_gets_its_red_and_blue_channels_swapped() {
        Path model = SharedFixtures.model("mlperftiny_vww_mobilenetv1_fp32.onnx");
        EvalData data = EvalData.open(SharedFixtures.data("vww-96"), EvalData.ALL);
        try (Evaluator evaluator = Evaluator.create(data)) {
            EvalResult result = evaluator.evaluate(model);

            report("vww-96 mobilenetv1 fp32 top-1", result.top1().orElseThrow(), 0.852);
            assertThat(data.format()).isEqualTo(DataFormat.VWW_LABELS);
            assertThat(result.top1().orElseThrow()).isCloseTo(0.852, within(0.01));
        }
    }

    @Test
    void yolox_nano_on_the_coco_subset_scores_the_reference_map() {
        Path model = SharedFixtures.model("yolox_nano.onnx");
        EvalData data = EvalData.open(SharedFixtures.data("coco-val2017-subset"), EvalData.ALL);
        try (Evaluator evaluator = Evaluator.create(data)) {
            EvalResult result = evaluator.evaluate(model);
            EvalResult self = evaluator.evaluate(model, Optional.of(model));

            report("coco-val2017-subset yolox_nano mAP@0.5", result.map50().orElseThrow(), 0.508);
            report("coco-val2017-subset yolox_nano mAP@0.5:0.95", result.metric(EvalResult.MAP50_95).orElseThrow(), Double.NaN);
            assertThat(data.format()).isEqualTo(DataFormat.YOLO);
            assertThat(data.task()).isEqualTo(Task.DETECT);
            assertThat(result.samples()).isEqualTo(64);
            assertThat(result.map50().orElseThrow()).isCloseTo(0.508, within(0.02));
            assertThat(result.metric(EvalResult.MAP50_95).orElseThrow()).isBetween(0.2, result.map50().orElseThrow());
            assertThat(self.map50()).isEqualTo(result.map50());
            assertThat(self.fidelity()).singleElement().satisfies(output -> {
                assertThat(output.valuesPerSample()).isEqualTo(3549 * 85);
                assertThat(output.agreementTop1()).as("a grid, not a vector").isEmpty();
                assertThat(output.sqnrDb()).isInfinite();
            });
            assertThat(self.cosineMean()).hasValue(1.0);
        }
    }

    /** A copy whose bytes the catalog does not know (an unknown protobuf field 100 appended) borrows a pipeline. */
    @Test
    void a_model_without_a_declaration_borrows_the_pipeline_of_another_or_is_told_how(@TempDir Path dir)
            throws IOException {
        Path fp32 = SharedFixtures.model("mlperftiny_ic_resnet8_fp32.onnx");
        Path copy = dir.resolve("resnet8-copy.onnx");
        Files.copy(fp32, copy);
        Files.write(copy, new byte[] {(byte) 0xa0, 0x06, 0x01}, StandardOpenOption.APPEND);
        EvalData data = EvalData.open(SharedFixtures.data("cifar10-test-subset"), Task.CLASSIFY, 100);
        try (Evaluator evaluator = Evaluator.create(data)) {
            EvalResult original = evaluator.evaluate(fp32);
            EvalResult borrowed = evaluator.evaluate(copy, Optional.empty(), Optional.of(fp32));

            assertThat(borrowed.pipeline()).isEqualTo("catalog of mlperftiny_ic_resnet8_fp32.onnx");
            assertThat(borrowed.top1()).isEqualTo(original.top1());
            assertThatThrownBy(() -> evaluator.evaluate(copy))
                    .isInstanceOf(OptimizerException.class)
                    .hasMessageContaining("resnet8-copy.onnx declares no image pipeline")
                    .hasMessageContaining("--pipeline-from");
        }
        EvalData unlabeled = EvalData.open(SharedFixtures.data("cifar10-test-subset"), Task.TENSOR, 2);
        try (Evaluator evaluator = Evaluator.create(unlabeled)) {
            assertThatThrownBy(() -> evaluator.evaluate(fp32))
                    .isInstanceOf(OptimizerException.class)
                    .hasMessageContaining("Nothing to measure").hasMessageContaining("reference");
        }
    }

    /**
     * Different ImageNet models, each with its own catalog pipeline; the TF-Lite MobileNet's 1001st
     * (background) output is left out so the classes line up with the ONNX Model Zoo one's 1000.
     */
    @Test
    void mobilenet_variants_compared_class_by_class_mostly_agree() {
        Path zoo = SharedFixtures.model("mobilenetv2-12-int8.onnx");
        Path tflite = SharedFixtures.model("mobilenet_v1_0.5_128_quant.onnx");
        EvalData data = EvalData.open(SharedFixtures.data("imagenet-samples"), Task.CLASSIFY, 50);
        try (Evaluator evaluator = Evaluator.create(data)) {
            EvalResult result = evaluator.evaluate(tflite, Optional.of(zoo));

            report("imagenet-samples (50) mobilenet_v1_0.5_128_quant vs mobilenetv2-12-int8 agreement",
                    result.agreementTop1().orElseThrow(), Double.NaN);
            assertThat(result.fidelity()).singleElement().satisfies(output -> {
                assertThat(output.valuesPerSample()).isEqualTo(1000);
                assertThat(output.name()).isNotEqualTo(output.referenceName());
            });
            assertThat(result.agreementTop1().orElseThrow()).isBetween(0.5, 0.95);
            assertThat(result.top1().orElseThrow()).isBetween(0.6, 0.9);
        }
    }

    @Test
    void a_classifier_with_fewer_classes_than_the_data_is_refused_naming_both() {
        Path model = SharedFixtures.model("mnist_cntk.onnx");
        Path squeezenet = SharedFixtures.model("squeezenet1.0-fp32.onnx");
        EvalData data = EvalData.open(SharedFixtures.data("cifar10-test-subset"), Task.CLASSIFY, 20);
        try (Evaluator evaluator = Evaluator.create(data)) {
            assertThat(evaluator.evaluate(squeezenet).samples()).isEqualTo(20);
        }
        EvalData imagenet = EvalData.open(SharedFixtures.data("imagenet-samples"), Task.CLASSIFY, 4);
        try (Evaluator evaluator = Evaluator.create(imagenet)) {
            assertThatThrownBy(() -> evaluator.evaluate(model))
                    .isInstanceOf(OptimizerException.class)
                    .hasMessageContaining("mnist_cntk.onnx")
                    .hasMessageContaining("10 classes")
                    .hasMessageContaining("1000 classes");
        }
    }
}
