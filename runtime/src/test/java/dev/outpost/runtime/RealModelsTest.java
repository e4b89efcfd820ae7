package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every model in shared/models opens and runs on zero inputs, and its outputs have the declared specs. */
class RealModelsTest {

    private static InferenceEngine engine;

    @BeforeAll
    static void openEngine() {
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    static Stream<Path> models() throws IOException {
        Path dir = Path.of(System.getProperty("outpost.models", "../shared/models"));
        if (!Files.isDirectory(dir)) {
            return Stream.of(dir.resolve("missing.onnx"));
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.toString().endsWith(".onnx")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everyModel_runsOnZeroInputs_withOutputsAsDeclared(Path file) {
        TestFixtures.model(file.getFileName().toString());
        try (ModelSession session = engine.open(file, SessionConfig.builder().intraOpThreads(1).build())) {
            assertThat(session.inputs()).isNotEmpty();
            assertThat(session.outputs()).isNotEmpty();
            Map<String, Tensor> inputs = TestFixtures.zeroInputs(session);
            try (Outputs pinned = session.run(inputs)) {
                session.pinOutputs(false);
                try (Outputs copied = session.run(inputs)) {
                    assertThat(pinned.names()).isEqualTo(session.outputs().stream().map(TensorSpec::name).toList());
                    for (TensorSpec spec : session.outputs()) {
                        Tensor tensor = copied.get(spec.name());
                        assertThat(tensor.type()).as(spec.name()).isEqualTo(spec.type());
                        assertThat(spec.accepts(tensor.type(), tensor.shape()))
                                .as("output %s has shape %s; declared %s", spec.name(),
                                        java.util.Arrays.toString(tensor.shape()), spec.shapeString())
                                .isTrue();
                        // isEqualTo, not containsExactly: the same exact element-wise check, but
                        // containsExactly takes ~40 s on SSD's 552,420-float output (quadratic), isEqualTo ~0.1 s.
                        assertThat(pinned.get(spec.name()).toFloatArray()).as(spec.name())
                                .isEqualTo(tensor.toFloatArray());
                    }
                }
            } finally {
                TestFixtures.closeAll(inputs);
            }
        }
    }

    @Test
    void inputTypes_includeUint8AndFloat16_asDeclared() {
        try (ModelSession uint8 = engine.open(TestFixtures.model("mobilenet_v2_1.0_224_int8_per_tensor.onnx"));
             ModelSession fp16 = engine.open(TestFixtures.model("squeezenet1.0-fp16.onnx"))) {
            assertThat(uint8.inputs()).singleElement().satisfies(spec -> {
                assertThat(spec.type()).isEqualTo(DType.UINT8);
                assertThat(spec.shape()).containsExactly(-1L, 224L, 224L, 3L);
            });
            assertThat(fp16.inputs().get(0).toString()).isEqualTo("data_0 float16[1,3,224,224]");
            assertThat(fp16.outputs().get(0).type()).isEqualTo(DType.FLOAT16);
        }
    }

    @Test
    void symbolicDimensionNames_comeFromTheModel() {
        try (ModelSession session = engine.open(TestFixtures.model("mnist_cnn_pytorch.onnx"))) {
            TensorSpec input = session.inputs().get(0);
            assertThat(input.shape().get(0)).isEqualTo(-1L);
            assertThat(input.dimNames().get(0)).isNotEmpty();
            assertThat(input.shape().subList(1, 4)).containsExactly(1L, 28L, 28L);
        }
    }

    @Test
    void mnist_classifiesAZeroImage_sameOnMappedAndBytesLoading() throws IOException {
        Path file = TestFixtures.model("mnist_cntk.onnx");
        SessionConfig config = SessionConfig.defaults();
        try (ModelSession byPath = engine.open(file, config);
             ModelSession mapped = engine.openMapped(file, config);
             ModelSession bytes = engine.open(Files.readAllBytes(file), config);
             Tensor image = Tensor.allocate(DType.FLOAT32, 1, 1, 28, 28)) {
            List<float[]> results = Stream.of(byPath, mapped, bytes).map(session -> {
                try (Outputs outputs = session.run(Map.of("Input3", image))) {
                    return outputs.first().toFloatArray();
                }
            }).toList();
            assertThat(results.get(0)).hasSize(10);
            assertThat(results.get(1)).containsExactly(results.get(0));
            assertThat(results.get(2)).containsExactly(results.get(0));
            assertThat(mapped.name()).isEqualTo("mnist_cntk.onnx");
            assertThat(mapped.metadata().custom()).containsKey("Image.BitmapPixelFormat");
        }
    }
}
