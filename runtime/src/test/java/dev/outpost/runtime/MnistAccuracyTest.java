package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.testing.Datasets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Accuracy of both MNIST models with their catalog pipelines on the full MNIST test set (10,000
 * images), within 1 point of models/SOURCES.md (98.91 and 99.04). The idx images become gray RGB
 * images (r = g = b), which the GRAY pipelines turn back into the exact pixel values.
 */
class MnistAccuracyTest {

    private static InferenceEngine engine;
    private static List<Image> images;
    private static int[] labels;

    @BeforeAll
    static void readTestSetOnce() {
        Path data = TestFixtures.dataSet("mnist");
        Datasets.Mnist mnist = Datasets.readMnist(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"));
        images = new ArrayList<>(mnist.size());
        labels = new int[mnist.size()];
        for (int i = 0; i < mnist.size(); i++) {
            byte[] gray = mnist.image(i);
            byte[] rgb = new byte[gray.length * 3];
            for (int p = 0; p < gray.length; p++) {
                rgb[3 * p] = gray[p];
                rgb[3 * p + 1] = gray[p];
                rgb[3 * p + 2] = gray[p];
            }
            images.add(Image.ofRgb(mnist.columns(), mnist.rows(), rgb));
            labels[i] = mnist.label(i);
        }
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"mnist_cntk.onnx, 98.91", "mnist_cnn_pytorch.onnx, 99.04"})
    void accuracy_is_within_one_point_of_the_reference(String model, double reference) {
        Path modelFile = TestFixtures.model(model);
        try (ModelSession session = engine.open(modelFile)) {
            double accuracy = Accuracy.top1Percent(Accuracy.catalogPipeline(session, modelFile), images, labels, 500);

            Accuracy.report("mnist " + model, accuracy, reference);
            assertThat(images).hasSize(10_000);
            assertThat(accuracy).as("accuracy of %s on MNIST", model).isCloseTo(reference, within(1.0));
        }
    }
}
