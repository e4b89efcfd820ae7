package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.runtime.ImageInputSpec.Letterbox;
import dev.outpost.runtime.ImageInputSpec.Stretch;
import dev.outpost.runtime.Pipeline.Declaration;
import dev.outpost.runtime.PipelineCatalog.CatalogEntry;
import dev.outpost.model.OnnxModel;
import dev.outpost.testing.Datasets;
import dev.outpost.testing.TinyModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Pipeline} on the real MNIST and YOLOX models: batch splitting, dynamic batches, raw tensors
 * split per image, tensor input, labels, and where {@link Pipeline#declaredFor} finds a declaration.
 */
class PipelineTest {

    private static final int IMAGES = 5;

    private static InferenceEngine engine;
    private static List<Image> digits;
    private static int[] digitLabels;
    private static float[][] digitPixels;

    @TempDir
    Path temp;

    @BeforeAll
    static void readDigits() {
        Path data = TestFixtures.dataSet("mnist");
        TestFixtures.modelsDir();
        Datasets.Mnist mnist = Datasets.readMnist(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"));
        digits = new ArrayList<>();
        digitLabels = new int[IMAGES];
        digitPixels = new float[IMAGES][];
        for (int i = 0; i < IMAGES; i++) {
            byte[] gray = mnist.image(i);
            byte[] rgb = new byte[gray.length * 3];
            digitPixels[i] = new float[gray.length];
            for (int p = 0; p < gray.length; p++) {
                rgb[3 * p] = gray[p];
                rgb[3 * p + 1] = gray[p];
                rgb[3 * p + 2] = gray[p];
                digitPixels[i][p] = gray[p] & 0xff;
            }
            digits.add(Image.ofRgb(28, 28, rgb));
            digitLabels[i] = mnist.label(i);
        }
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    private static CatalogEntry entry(Path model) {
        return PipelineCatalog.find(model).orElseThrow();
    }

    private static List<Integer> topClasses(PipelineRun run) {
        return run.predictions().stream().map(prediction -> prediction.classes().getFirst().classIndex()).toList();
    }

    private static List<Integer> labels() {
        return java.util.Arrays.stream(digitLabels).boxed().toList();
    }

    @Test
    void a_fixed_batch_of_one_is_run_image_by_image_in_order() {
        Path model = TestFixtures.model("mnist_cntk.onnx");
        try (ModelSession session = engine.open(model)) {
            Pipeline pipeline = Pipeline.create(session, Pipeline.declaredFor(model, session));

            PipelineRun run = pipeline.run(digits);

            assertThat(pipeline.maxBatch()).isEqualTo(1);
            assertThat(topClasses(run)).isEqualTo(labels());
            for (int i = 0; i < IMAGES; i++) {
                Classification alone = pipeline.run(digits.get(i)).only().classes().getFirst();
                assertThat(run.predictions().get(i).classes().getFirst().score())
                        .isCloseTo(alone.score(), within(1e-6f));
            }
            assertThat(run.total()).isEqualTo(run.preprocess().plus(run.inference()).plus(run.postprocess()));
        }
    }

    @Test
    void a_dynamic_batch_takes_several_images_in_one_call_with_the_same_results_as_one_by_one() {
        Path model = TestFixtures.model("mnist_cnn_pytorch.onnx");
        try (ModelSession session = engine.open(model)) {
            Pipeline pipeline = Pipeline.create(session, Pipeline.declaredFor(model, session));

            PipelineRun run = pipeline.run(digits);

            assertThat(pipeline.maxBatch()).isEqualTo(Integer.MAX_VALUE);
            assertThat(run.predictions()).hasSize(IMAGES);
            assertThat(topClasses(run)).isEqualTo(labels());
            for (int i = 0; i < IMAGES; i++) {
                List<Classification> alone = pipeline.run(digits.get(i)).only().classes();
                List<Classification> batched = run.predictions().get(i).classes();
                assertThat(batched).hasSameSizeAs(alone);
                for (int k = 0; k < alone.size(); k++) {
                    assertThat(batched.get(k).classIndex()).isEqualTo(alone.get(k).classIndex());
                    assertThat(batched.get(k).score()).isCloseTo(alone.get(k).score(), within(1e-5f));
                }
            }
        }
    }

    @Test
    void a_run_given_a_cancelled_control_stops_with_cancelled_and_an_active_control_changes_nothing() {
        Path model = TestFixtures.model("mnist_cnn_pytorch.onnx");
        try (ModelSession session = engine.open(model)) {
            Pipeline pipeline = Pipeline.create(session, Pipeline.declaredFor(model, session));
            try (RunControl active = session.newRunControl("kept")) {
                assertThat(topClasses(pipeline.run(digits, active))).isEqualTo(labels());
            }
            try (RunControl cancelled = session.newRunControl("dropped")) {
                cancelled.cancel();
                assertThatThrownBy(() -> pipeline.run(digits, cancelled)).isInstanceOfSatisfying(
                        InferenceException.class,
                        error -> assertThat(error.code()).isEqualTo(InferenceException.Code.CANCELLED));
            }
        }
    }

    @Test
    void raw_tensor_outputs_of_a_batch_are_split_per_image() {
        Path model = TestFixtures.model("mnist_cnn_pytorch.onnx");
        try (ModelSession session = engine.open(model)) {
            PipelineSpec tensorsOut = new PipelineSpec(entry(model).spec().image(), new OutputSpec.Tensors());
            Pipeline pipeline = Pipeline.create(session, tensorsOut);

            PipelineRun run = pipeline.run(digits);

            assertThat(run.predictions()).hasSize(IMAGES);
            for (int i = 0; i < IMAGES; i++) {
                Prediction prediction = run.predictions().get(i);
                assertThat(prediction.classes()).isEmpty();
                assertThat(prediction.tensors()).containsOnlyKeys("output_probs");
                float[] logProbabilities = prediction.tensors().get("output_probs");
                assertThat(logProbabilities).hasSize(10);
                int best = 0;
                double sum = 0;
                for (int c = 0; c < 10; c++) {
                    best = logProbabilities[c] > logProbabilities[best] ? c : best;
                    sum += Math.exp(logProbabilities[c]);
                }
                assertThat(best).as("argmax of image %d", i).isEqualTo(digitLabels[i]);
                assertThat(sum).isCloseTo(1.0, within(1e-4));
            }
        }
    }

    @Test
    void tensor_input_is_classified_one_prediction_per_batch_row() {
        Path model = TestFixtures.model("mnist_cnn_pytorch.onnx");
        float[] batch = new float[IMAGES * 784];
        for (int i = 0; i < IMAGES; i++) {
            System.arraycopy(digitPixels[i], 0, batch, i * 784, 784);
        }
        try (ModelSession session = engine.open(model); Tensor input = Tensor.of(batch, IMAGES, 1, 28, 28)) {
            Pipeline pipeline = Pipeline.create(session, Pipeline.declaredFor(model, session));

            PipelineRun run = pipeline.run(Map.of("input_image", input));

            assertThat(topClasses(run)).isEqualTo(labels());
            assertThat(run.preprocess()).isZero();
            assertThat(run.predictions().getFirst().classes().getFirst().label()).isEqualTo(Integer.toString(digitLabels[0]));
        }
    }

    @Test
    void detection_refuses_tensor_input() {
        Path model = TestFixtures.model("yolox_nano.onnx");
        try (ModelSession session = engine.open(model); Tensor input = Tensor.allocate(DType.FLOAT32, 1, 3, 416, 416)) {
            Pipeline pipeline = Pipeline.create(session, Pipeline.declaredFor(model, session));

            assertThatThrownBy(() -> pipeline.run(Map.of("images", input)))
                    .isInstanceOfSatisfying(InferenceException.class,
                            e -> assertThat(e.code()).isEqualTo(InferenceException.Code.PIPELINE))
                    .hasMessageContaining("detection output, which needs images");
        }
    }

    @Test
    void given_labels_replace_the_declared_ones_and_must_match_the_class_count() {
        Path model = TestFixtures.model("mnist_cntk.onnx");
        List<String> words = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
        try (ModelSession session = engine.open(model)) {
            PipelineSpec spec = entry(model).spec();

            Prediction named = Pipeline.create(session, spec, Optional.of(words)).run(digits.getFirst()).only();
            Prediction indexed = Pipeline.create(session, spec).run(digits.getFirst()).only();

            assertThat(named.classes().getFirst().label()).isEqualTo(words.get(digitLabels[0]));
            assertThat(indexed.classes().getFirst().label()).as("no labels: the index").isEqualTo(
                    Integer.toString(digitLabels[0]));
            Pipeline tooFew = Pipeline.create(session, spec, Optional.of(List.of("a", "b")));
            assertThatThrownBy(() -> tooFew.run(digits.getFirst()))
                    .isInstanceOf(InferenceException.class)
                    .hasMessageContaining("10 classes").hasMessageContaining("but 2 labels were given");
        }
    }

    @Test
    void declared_for_prefers_side_file_then_metadata_then_catalog_then_none() throws IOException {
        Map<String, String> metadata = Map.of(
                "outpost.pipeline.input.resize", "letterbox",
                "outpost.pipeline.task", "tensors");
        OnnxModel withDeclaration = TinyModels.imageIdentity();
        metadata.forEach(withDeclaration::putMetadata);
        Path withMetadata = Files.write(temp.resolve("declared.onnx"), withDeclaration.toBytes());
        Path plain = Files.write(temp.resolve("plain.onnx"), TinyModels.imageIdentity().toBytes());
        Path renamedMnist = Files.copy(TestFixtures.model("mnist_cntk.onnx"), temp.resolve("digits.onnx"));
        CatalogEntry mnistEntry = entry(renamedMnist);

        try (ModelSession declared = engine.open(withMetadata); ModelSession bare = engine.open(plain);
                ModelSession mnist = engine.open(renamedMnist)) {
            // Metadata wins over a catalog entry (the lookup is forced to match here).
            Declaration fromMetadata = Pipeline.declaredFor(withMetadata, declared, file -> Optional.of(mnistEntry));
            assertThat(fromMetadata.source()).isEqualTo(Declaration.Source.MODEL_METADATA);
            assertThat(fromMetadata.spec().image().orElseThrow().resize()).isInstanceOf(Letterbox.class);
            assertThat(fromMetadata.labels()).isEmpty();

            // The catalog recognizes the renamed MNIST model by content and brings its labels.
            Declaration fromCatalog = Pipeline.declaredFor(renamedMnist, mnist);
            assertThat(fromCatalog.source()).isEqualTo(Declaration.Source.CATALOG);
            assertThat(fromCatalog.spec()).isEqualTo(mnistEntry.spec());
            assertThat(fromCatalog.labels()).contains(mnistEntry.labels());

            // Nothing anywhere: none.
            Declaration nothing = Pipeline.declaredFor(plain, bare);
            assertThat(nothing.source()).isEqualTo(Declaration.Source.NONE);
            assertThat(nothing.spec()).isEqualTo(PipelineSpec.none());

            // A side file wins over both metadata and the catalog.
            Files.writeString(PipelineSpec.sideFileOf(withMetadata), "input.resize = stretch\n", StandardCharsets.UTF_8);
            Files.writeString(PipelineSpec.sideFileOf(renamedMnist), "task = tensors\n", StandardCharsets.UTF_8);
            Declaration sideOverMetadata = Pipeline.declaredFor(withMetadata, declared, file -> Optional.of(mnistEntry));
            assertThat(sideOverMetadata.source()).isEqualTo(Declaration.Source.SIDE_FILE);
            assertThat(sideOverMetadata.spec().image().orElseThrow().resize()).isEqualTo(new Stretch());
            Declaration sideOverCatalog = Pipeline.declaredFor(renamedMnist, mnist);
            assertThat(sideOverCatalog.source()).isEqualTo(Declaration.Source.SIDE_FILE);
            assertThat(sideOverCatalog.spec()).isEqualTo(PipelineSpec.none());
            assertThat(sideOverCatalog.labels()).isEmpty();
        }
    }
}
