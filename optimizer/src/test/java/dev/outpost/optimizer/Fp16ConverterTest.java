package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.TensorData;
import dev.outpost.model.ValueInfo;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.testing.SharedFixtures;
import dev.outpost.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Float16 conversion on the shared reference models and generated ones. Tolerance: cosine >= 0.999
 * on every output over seeded random inputs (the converter's own check), and for squeezenet top-1
 * agreement and cosine >= 0.9999; file size ratio 0.45..0.55.
 */
class Fp16ConverterTest {

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

    private Fp16Converter converter() {
        return Fp16Converter.create(engine, Fp16Converter.Options.defaults());
    }

    /** Random inputs in each model's own input range: normalized for squeezenet, raw pixels for yolox and resnet8. */
    @ParameterizedTest
    @CsvSource({"squeezenet1.0-fp32.onnx, -2, 2.5", "mnist_cnn_pytorch.onnx, 0, 1", "yolox_nano.onnx, 0, 255",
            "mlperftiny_ic_resnet8_fp32.onnx, 0, 255"})
    void realModels_halveInSize_loadAndMatchTheOriginal(String file, float low, float high) throws Exception {
        Path source = SharedFixtures.model(file);
        Path target = dir.resolve("fp16.onnx");
        Fp16Converter.Options options = Fp16Converter.Options.builder()
                .fidelity(Fidelity.Options.defaults().withRange(low, high)).build();

        Fp16Converter.Result result = Fp16Converter.create(engine, options).convert(source, target);

        assertThat(result.sizeRatio()).isBetween(0.45, 0.55);
        assertThat(Files.size(target)).isEqualTo(result.bytesAfter());
        Fidelity.Report fidelity = result.fidelity().orElseThrow();
        assertThat(fidelity.minCosine()).isGreaterThan(0.999);
        OnnxModel converted = OnnxModel.read(target);
        assertThat(converted.validate().stream().filter(p -> p.isError())).isEmpty();
        assertThat(converted.metadata()).containsEntry(PassSupport.PASSES,
                "fp16(keep_io_types=true,min_positive=1.0E-7,max_finite=10000.0)")
                .containsEntry(PassSupport.SOURCE_SHA256, PassSupport.sha256(source));
        try (ModelSession session = engine.open(target, SessionConfig.defaults())) {
            assertThat(session.inputs()).allSatisfy(input -> assertThat(input.type()).isEqualTo(DType.FLOAT32));
            assertThat(session.outputs()).allSatisfy(output -> assertThat(output.type()).isEqualTo(DType.FLOAT32));
        }
    }

    @Test
    void squeezenet_keepsItsTop1_andCosineAbove0_9999() {
        Path source = SharedFixtures.model("squeezenet1.0-fp32.onnx");
        Path target = dir.resolve("squeezenet-fp16.onnx");
        Fp16Converter.Options options = Fp16Converter.Options.builder()
                .fidelity(Fidelity.Options.defaults().withSamples(4).withRange(-2f, 2.5f)).build();

        Fp16Converter.Result result = Fp16Converter.create(engine, options).convert(source, target);

        Fidelity.OutputStats scores = result.fidelity().orElseThrow().output("softmaxout_1");
        assertThat(scores.argmaxAgreement()).isEqualTo(1.0);
        assertThat(scores.cosine()).isGreaterThan(0.9999);
        assertThat(result.convertedInitializers()).isEqualTo(52);
        assertThat(result.float32Initializers()).isZero();
        assertThat(result.castsInserted()).isEqualTo(2); // one at the input, one at the output
    }

    @Test
    void yolox_keepsResizeScalesFloat32() {
        Path target = dir.resolve("yolox-fp16.onnx");
        Fp16Converter.Options options = Fp16Converter.Options.builder().verify(false).build();
        Fp16Converter.create(engine, options).convert(SharedFixtures.model("yolox_nano.onnx"), target);

        OnnxModel converted = OnnxModel.read(target);
        Graph graph = converted.graph();
        List<Node> resizes = graph.nodes(Op.RESIZE);
        assertThat(resizes).hasSize(2);
        for (Node resize : resizes) {
            String scales = resize.input(2);
            ElementType type = graph.initializer(scales).map(i -> i.elementType())
                    .orElseGet(() -> graph.producer(scales).orElseThrow().attributeTensor("value")
                            .map(TensorData::elementType).orElse(ElementType.FLOAT));
            assertThat(type).as("scales of %s", resize.label()).isEqualTo(ElementType.FLOAT);
        }
    }

    @Test
    void ioTypesFloat16_whenAsked() {
        Path source = dir.resolve("mlp.onnx");
        TinyModels.mlp(7, TinyModels.Batch.dynamic()).write(source);
        Path target = dir.resolve("mlp-fp16.onnx");
        Fp16Converter.Options options = Fp16Converter.Options.builder().keepIoTypes(false).build();

        Fp16Converter.Result result = Fp16Converter.create(engine, options).convert(source, target);

        assertThat(result.castsInserted()).isZero();
        assertThat(result.fidelity().orElseThrow().minCosine()).isGreaterThan(0.999);
        try (ModelSession session = engine.open(target, SessionConfig.defaults())) {
            assertThat(session.inputs().get(0).type()).isEqualTo(DType.FLOAT16);
            assertThat(session.outputs().get(0).type()).isEqualTo(DType.FLOAT16);
            assertThat(session.inputs().get(0).shapeString()).isEqualTo(sessionShape(source));
        }
    }

    private static String sessionShape(Path model) {
        try (ModelSession session = engine.open(model, SessionConfig.defaults())) {
            return session.inputs().get(0).shapeString();
        }
    }

    @Test
    void blockedOps_stayFloat32_withCastsAround() {
        Path source = dir.resolve("cnn.onnx");
        TinyModels.smallCnn(3, TinyModels.Batch.fixed(1)).write(source);
        Path target = dir.resolve("cnn-fp16.onnx");
        Fp16Converter.Options options = Fp16Converter.Options.builder().blockOp("Softmax").build();

        Fp16Converter.Result result = Fp16Converter.create(engine, options).convert(source, target);

        assertThat(result.float32Nodes()).singleElement().asString().contains("Softmax");
        Graph graph = OnnxModel.read(target).graph();
        Node softmax = graph.nodes(Op.SOFTMAX).get(0);
        Node castIn = graph.producer(softmax.input(0)).orElseThrow();
        assertThat(castIn.opType()).isEqualTo("Cast");
        assertThat(castIn.attributeInt("to", 0)).isEqualTo(ElementType.FLOAT.code());
        // the Softmax writes the float32 graph output directly: no Cast after it
        assertThat(graph.consumers(softmax.output(0))).isEmpty();
        assertThat(graph.nodes(Op.CAST)).hasSize(2);
    }

    @Test
    void constants_areClamped_zeroStaysZero_andCastsToFloatRetargeted() {
        OnnxModel model = OnnxModel.create("clamp", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, 5));
        graph.addInput(ValueInfo.of("n", ElementType.INT64, 1, 5));
        graph.addInitializer("w", TensorData.ofFloats(new float[] {0f, 1e-9f, -1e-9f, 3e5f, -3e5f}, 1, 5));
        graph.add(Op.CONSTANT, List.of(), List.of("c"), Map.of("value",
                TensorData.ofFloats(new float[] {0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, 1, 5)));
        graph.add(Op.MUL, List.of("x", "w"), List.of("xw"), Map.of());
        graph.add(Op.ADD, List.of("xw", "c"), List.of("sum"), Map.of());
        graph.add(Op.CAST, List.of("n"), List.of("nf"), Map.of("to", (long) ElementType.FLOAT.code()));
        graph.add(Op.ADD, List.of("sum", "nf"), List.of("y"), Map.of());
        graph.addOutput(ValueInfo.of("y", ElementType.FLOAT, 1, 5));

        Fp16Converter.Result result = converter().apply(model);

        assertThat(result.clampedValues()).isEqualTo(4);
        assertThat(result.convertedInitializers()).isEqualTo(2); // w and the Constant
        float[] w = graph.initializer("w").orElseThrow().floats();
        assertThat(graph.initializer("w").orElseThrow().elementType()).isEqualTo(ElementType.FLOAT16);
        assertThat(w[0]).isZero();
        assertThat(w[1]).isPositive().isCloseTo(1e-7f, org.assertj.core.data.Offset.offset(2e-8f));
        assertThat(w[2]).isNegative();
        assertThat(w[3]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(1e4f)));
        assertThat(w[4]).isEqualTo(-w[3]);
        Node cast = graph.producer("nf").orElseThrow();
        assertThat(cast.attributeInt("to", 0)).isEqualTo(ElementType.FLOAT16.code());
        assertThat(graph.producer("c").orElseThrow().attributeTensor("value").orElseThrow().elementType())
                .isEqualTo(ElementType.FLOAT16);
        try (ModelSession session = engine.open(model.toBytes(), SessionConfig.defaults())) {
            assertThat(session.outputs().get(0).type()).isEqualTo(DType.FLOAT32);
        }
    }

    @Test
    void alreadyFloat16Model_isLeftAsItIs() {
        OnnxModel model = OnnxModel.read(SharedFixtures.model("squeezenet1.0-fp16.onnx"));

        Fp16Converter.Result result = converter().apply(model);

        assertThat(result.convertedInitializers()).isZero();
        assertThat(result.castsInserted()).isZero();
        assertThat(result.nodesAfter()).isEqualTo(result.nodesBefore());
    }

    @Test
    void subgraphs_areRefused() {
        OnnxModel model = OnnxModel.create("with_if", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("c", ElementType.BOOL));
        OnnxModel branch = OnnxModel.create("branch", 17);
        branch.graph().addInitializer("one", TensorData.scalar(1f));
        branch.graph().add(Op.IDENTITY, List.of("one"), List.of("out"), Map.of());
        branch.graph().addOutput(ValueInfo.of("out", ElementType.FLOAT));
        graph.add(Op.IF, List.of("c"), List.of("y"), Map.of("then_branch", branch.graph(),
                "else_branch", branch.graph()));
        graph.addOutput(ValueInfo.of("y", ElementType.FLOAT));

        assertThatThrownBy(() -> converter().apply(model)).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("has a subgraph").extracting(e -> ((OptimizerException) e).code())
                .isEqualTo(OptimizerException.Code.UNSUPPORTED_MODEL);
    }

    @Test
    void badOptions_areInvalidOption() {
        assertThatThrownBy(() -> Fp16Converter.Options.builder().clampRange(0f, 1e4f).build())
                .isInstanceOf(OptimizerException.class).hasMessageContaining("clamp range");
        assertThatThrownBy(() -> Fp16Converter.Options.builder().clampRange(1e-7f, 1e5f).build())
                .isInstanceOf(OptimizerException.class).hasMessageContaining("65504");
        assertThatThrownBy(() -> Fp16Converter.Options.builder().minCosine(Double.NaN).build())
                .isInstanceOf(OptimizerException.class).hasMessageContaining("minCosine");
        assertThatThrownBy(() -> Fp16Converter.Options.builder().blockOp(" "))
                .isInstanceOf(OptimizerException.class)
                .extracting(e -> ((OptimizerException) e).code()).isEqualTo(OptimizerException.Code.INVALID_OPTION);
    }

    @Test
    void failedVerification_leavesTheTargetUntouched() throws Exception {
        Path source = dir.resolve("mlp.onnx");
        TinyModels.mlp(5, TinyModels.Batch.fixed(2)).write(source);
        Path target = dir.resolve("out.onnx");
        Files.writeString(target, "previous");
        // Clamping every weight to 1e-7 magnitude destroys the outputs: verification must refuse it.
        Fp16Converter.Options options = Fp16Converter.Options.builder().clampRange(1e-7f, 2e-7f).build();

        assertThatThrownBy(() -> Fp16Converter.create(engine, options).convert(source, target))
                .isInstanceOf(OptimizerException.class).hasMessageContaining("cosine")
                .extracting(e -> ((OptimizerException) e).code()).isEqualTo(OptimizerException.Code.VERIFICATION_FAILED);
        assertThat(Files.readString(target)).isEqualTo("previous");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("mlp.onnx", "out.onnx");
        }
    }
}
