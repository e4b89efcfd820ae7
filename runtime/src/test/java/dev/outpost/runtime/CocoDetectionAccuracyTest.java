package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.runtime.PipelineCatalog.CatalogEntry;
import dev.outpost.testing.Datasets;
import dev.outpost.testing.Datasets.DetectionSample;
import dev.outpost.testing.DetectionMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * mAP@0.5 of the COCO detectors with their catalog pipelines on shared/data/coco-val2017-subset (64
 * images), within 0.02 of models/SOURCES.md. As there: confidence threshold 0.01 (the catalog's 0.25
 * is for display; mAP needs the low-score tail), NMS IoU 0.45, VOC all-point AP. Each image is
 * decoded once for both models.
 */
class CocoDetectionAccuracyTest {

    private static InferenceEngine engine;
    private static List<DetectionSample> samples;
    private static List<Image> images;
    private static List<DetectionMetrics.Truth> truths;

    @BeforeAll
    static void decodeImagesOnce() {
        Path data = TestFixtures.dataSet("coco-val2017-subset");
        TestFixtures.modelsDir();
        samples = Datasets.readYoloDataset(data);
        images = samples.stream().map(sample -> Image.read(sample.file())).toList();
        truths = new ArrayList<>();
        for (DetectionSample sample : samples) {
            sample.boxes().forEach(box -> truths.add(DetectionMetrics.Truth.of(sample.id(), box)));
        }
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    @ParameterizedTest(name = "{0}: mAP@0.5 {1}")
    @CsvSource({"yolox_nano.onnx, 0.508", "ssd_mobilenet_v2_fpnlite_10_256_int8.onnx, 0.368"})
    void map50_is_within_two_hundredths_of_the_reference(String model, double reference) {
        Path modelFile = TestFixtures.model(model);
        CatalogEntry entry = PipelineCatalog.find(modelFile).orElseThrow();
        DetectionSpec declared = (DetectionSpec) entry.spec().output();
        DetectionSpec evaluation = new DetectionSpec(declared.format(), declared.output(), declared.scoresOutput(),
                declared.boxesOutput(), declared.anchorsOutput(), declared.strides(), 0.01f, 0.45f,
                declared.maxDetections(), declared.classWise(), Optional.empty());
        try (ModelSession session = engine.open(modelFile)) {
            Pipeline pipeline = Pipeline.create(session, new PipelineSpec(entry.spec().image(), evaluation),
                    Optional.of(entry.labels()));
            List<DetectionMetrics.Prediction> predictions = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                String id = samples.get(i).id();
                for (Detection box : pipeline.run(images.get(i)).only().detections()) {
                    predictions.add(new DetectionMetrics.Prediction(id, box.score(),
                            new Datasets.Box(box.classIndex(), box.x1(), box.y1(), box.x2(), box.y2())));
                }
            }

            double map50 = DetectionMetrics.meanAveragePrecision(truths, predictions, 0.5);

            Accuracy.report("coco-val2017-subset mAP@0.5 " + model, map50, reference);
            assertThat(images).hasSize(64);
            assertThat(map50).as("mAP@0.5 of %s", model).isCloseTo(reference, within(0.02));
        }
    }
}
