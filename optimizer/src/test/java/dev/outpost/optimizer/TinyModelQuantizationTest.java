package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.testing.Datasets;
import dev.outpost.testing.Datasets.LabeledImage;
import dev.outpost.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The acceptance on the small real models: int8 MNIST CNNs within 0.3 points of fp32 on
 * 2,000 MNIST test images; ResNet-8 on cifar10 and MobileNetV1 on vww-96 at least as accurate as
 * the int8 models MLPerf Tiny ships. Calibration uses images that the evaluation does not.
 */
class TinyModelQuantizationTest {

    private static InferenceEngine engine;

    @TempDir
    Path dir;

    @BeforeAll
    static void openEngine() {
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    record Labeled(List<Image> images, int[] labels) {
        Labeled slice(int from, int to) {
            return new Labeled(images.subList(from, to), java.util.Arrays.copyOfRange(labels, from, to));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mnist_cntk.onnx", "mnist_cnn_pytorch.onnx"})
    void mnist_int8_stays_within_three_tenths_of_a_point(String model) {
        Path data = SharedFixtures.data("mnist");
        Datasets.Mnist mnist = Datasets.readMnist(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"));
        Labeled eval = mnist(mnist, 0, 2000);
        Labeled calibration = mnist(mnist, 9000, 9128);

        double[] accuracy = quantizeAndCompare(SharedFixtures.model(model), calibration, eval);

        assertThat(accuracy[1]).as("int8 top-1 of %s (fp32 %.2f)", model, accuracy[0])
                .isGreaterThanOrEqualTo(accuracy[0] - 0.3);
    }

    @Test
    void resnet8_int8_is_at_least_as_accurate_as_the_shipped_qdq_model() {
        Path data = SharedFixtures.data("cifar10-test-subset");
        List<LabeledImage> samples = Datasets.readLabelsCsv(data.resolve("labels.csv"));
        Labeled all = new Labeled(samples.stream().map(s -> Image.read(s.file())).toList(),
                samples.stream().mapToInt(LabeledImage::classIndex).toArray());
        // every 10th image (100, all classes) calibrates; all 1000 evaluate, as for the shipped model
        Labeled calibration = every(all, 10);

        double[] accuracy = quantizeAndCompare(SharedFixtures.model("mlperftiny_ic_resnet8_fp32.onnx"), calibration,
                all);
        double shipped = QuantAccuracy.top1Percent(engine, SharedFixtures.model("mlperftiny_ic_resnet8_qdq.onnx"),
                all.images(), all.labels());

        System.out.printf("resnet8 fp32 %.1f%% ours %.1f%% shipped qdq %.1f%%%n", accuracy[0], accuracy[1], shipped);
        assertThat(accuracy[1]).isGreaterThanOrEqualTo(shipped);
    }

    @Test
    void vww_int8_is_at_least_as_accurate_as_the_shipped_qdq_model() {
        Path data = SharedFixtures.data("vww-96");
        List<LabeledImage> samples = Datasets.readVwwLabels(data.resolve("y_labels.csv"), data.resolve("images"));
        Labeled all = new Labeled(samples.stream().map(s -> Image.read(s.file()).withRedBlueSwapped()).toList(),
                samples.stream().mapToInt(LabeledImage::classIndex).toArray());
        Labeled calibration = every(all, 10);

        double[] accuracy = quantizeAndCompare(SharedFixtures.model("mlperftiny_vww_mobilenetv1_fp32.onnx"),
                calibration, all);
        double shipped = QuantAccuracy.top1Percent(engine, SharedFixtures.model("mlperftiny_vww_mobilenetv1_qdq.onnx"),
                all.images(), all.labels());

        System.out.printf("vww fp32 %.1f%% ours %.1f%% shipped qdq %.1f%%%n", accuracy[0], accuracy[1], shipped);
        assertThat(accuracy[1]).isGreaterThanOrEqualTo(shipped);
    }

    /** Quantizes with default options; returns {fp32 top-1, int8 top-1} in percent. */
    private double[] quantizeAndCompare(Path fp32, Labeled calibration, Labeled eval) {
        Path int8 = dir.resolve("int8-" + fp32.getFileName());
        CalibrationData data = ImageCalibrationData.of(fp32, engine, calibration.images().size(),
                calibration.images()::get, calibration.images().size() + " images", "test");
        QuantizationOptions.Builder options = QuantizationOptions.builder();
        if (System.getProperty("int8.depthwise") != null) {
            options.depthwisePerChannel(Boolean.parseBoolean(System.getProperty("int8.depthwise")));
        }
        QuantizationResult result = new Quantizer(engine).quantize(fp32, int8, options.build(), data, p -> { });
        double before = QuantAccuracy.top1Percent(engine, fp32, eval.images(), eval.labels());
        double after = QuantAccuracy.top1Percent(engine, int8, eval.images(), eval.labels());
        System.out.printf("%s fp32 %.2f%% int8 %.2f%% (%d images); size %.2f; integer kernels %d, unfused Q/DQ %d;"
                + " kept float %s%n", fp32.getFileName(), before, after, eval.images().size(), result.sizeRatio(),
                result.integerKernels(), result.unfusedQdq(), result.keptFloat());
        assertThat(result.integerKernels()).isPositive();
        return new double[] {before, after};
    }

    private static Labeled mnist(Datasets.Mnist mnist, int from, int to) {
        List<Image> images = new ArrayList<>();
        int[] labels = new int[to - from];
        for (int i = from; i < to; i++) {
            byte[] gray = mnist.image(i);
            byte[] rgb = new byte[gray.length * 3];
            for (int p = 0; p < gray.length; p++) {
                rgb[3 * p] = gray[p];
                rgb[3 * p + 1] = gray[p];
                rgb[3 * p + 2] = gray[p];
            }
            images.add(Image.ofRgb(mnist.columns(), mnist.rows(), rgb));
            labels[i - from] = mnist.label(i);
        }
        return new Labeled(images, labels);
    }

    private static Labeled every(Labeled all, int step) {
        List<Image> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < all.images().size(); i += step) {
            images.add(all.images().get(i));
            labels.add(all.labels()[i]);
        }
        return new Labeled(images, labels.stream().mapToInt(Integer::intValue).toArray());
    }
}
