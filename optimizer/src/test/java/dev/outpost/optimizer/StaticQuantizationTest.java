package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.OnnxModel;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.testing.Datasets;
import dev.outpost.testing.Datasets.LabeledImage;
import dev.outpost.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static QDQ int8 on real models, checked against their fp32 accuracy on real labeled images. */
class StaticQuantizationTest {

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

    @Test
    void squeezenet_int8_stays_within_one_point_of_fp32_on_imagenet_samples() {
        Path fp32 = SharedFixtures.model("squeezenet1.0-fp32.onnx");
        Path data = SharedFixtures.data("imagenet-samples");
        List<LabeledImage> samples = Datasets.readLabelsCsv(data.resolve("labels.csv"));
        List<Image> images = samples.stream().map(s -> Image.read(s.file())).toList();
        int[] labels = samples.stream().mapToInt(LabeledImage::classIndex).toArray();
        Path int8 = dir.resolve("squeezenet-int8.onnx");
        QuantizationOptions options = QuantizationOptions.builder().build();
        CalibrationData calibration = ImageCalibrationData.folder(fp32, engine, data.resolve("images"), 32, false);

        QuantizationResult result = new Quantizer(engine).quantize(fp32, int8, options, calibration,
                progress -> { });

        double before = QuantAccuracy.top1Percent(engine, fp32, images, labels);
        double after = QuantAccuracy.top1Percent(engine, int8, images, labels);
        System.out.printf("squeezenet fp32 %.1f%% int8 %.1f%%; %s; fused %s; size %.2f%n", before, after,
                result.quantizedOps(), result.fusedOps(), result.sizeRatio());
        assertThat(after).isGreaterThanOrEqualTo(before - 1.0);
        assertThat(result.fusedOps()).containsKey("QLinearConv");
        assertThat(result.fusedOps().get("QLinearConv")).isEqualTo(26);
        assertThat(result.sizeRatio()).isLessThan(0.3);
        OnnxModel written = OnnxModel.read(int8);
        assertThat(written.metadata(PassSupport.SOURCE_SHA256)).contains(PassSupport.sha256(fp32));
        assertThat(written.metadata(PassSupport.PASSES).orElseThrow()).startsWith("int8-static(method=minmax,");
        assertThat(written.metadata(Quantizer.CALIBRATION).orElseThrow()).startsWith("32 samples: ");
        assertThat(written.metadata("outpost.pipeline.task")).contains("classification");
    }
}
