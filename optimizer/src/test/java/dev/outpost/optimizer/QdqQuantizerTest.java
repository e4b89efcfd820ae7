package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.OnnxModel;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.Tensor;
import dev.outpost.testing.TinyModels;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static QDQ on generated models: outputs close to fp32 on the calibration distribution. */
class QdqQuantizerTest {

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
    void small_cnn_int8_output_stays_close_to_fp32() {
        Path fp32 = dir.resolve("cnn.onnx");
        TinyModels.smallCnn(7, TinyModels.Batch.fixed(1)).write(fp32);
        Path int8 = dir.resolve("cnn-int8.onnx");
        CalibrationData data;
        try (ModelSession session = engine.open(fp32)) {
            data = CalibrationData.random(session.inputs(), 16, 1);
        }
        new Quantizer(engine).quantize(fp32, int8, QuantizationOptions.builder().build(), data, p -> { });

        assertThat(cosine(fp32, int8, data.sample(3))).isGreaterThan(0.9999);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"conv", "gemm", "mlp"})
    void generated_model_int8_output_stays_close_to_fp32(String which) {
        OnnxModel model = switch (which) {
            case "conv" -> TinyModels.conv(3);
            case "gemm" -> TinyModels.gemm(3);
            default -> TinyModels.mlp(3, TinyModels.Batch.fixed(1));
        };
        Path fp32 = dir.resolve(which + ".onnx");
        model.write(fp32);
        Path int8 = dir.resolve(which + "-int8.onnx");
        CalibrationData data;
        try (ModelSession session = engine.open(fp32)) {
            data = CalibrationData.random(session.inputs(), 16, 1);
        }
        new Quantizer(engine).quantize(fp32, int8, QuantizationOptions.builder().build(), data, p -> { });
        assertThat(cosine(fp32, int8, data.sample(3))).as(which).isGreaterThan(0.9999);
    }

    @Test
    void a_budget_only_the_fp32_model_meets_fails_and_writes_nothing() {
        Path fp32 = dir.resolve("cnn.onnx");
        TinyModels.smallCnn(7, TinyModels.Batch.fixed(1)).write(fp32);
        Path int8 = dir.resolve("cnn-int8.onnx");
        CalibrationData data;
        try (ModelSession session = engine.open(fp32)) {
            data = CalibrationData.random(session.inputs(), 4, 1);
        }
        java.util.List<Path> evaluated = new java.util.ArrayList<>();
        AccuracyBudget budget = new AccuracyBudget(0.5, "score", model -> {
            evaluated.add(model);
            return model.equals(fp32) ? 1.0 : 0.0;
        });

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Quantizer(engine).quantize(fp32, int8,
                        QuantizationOptions.builder().build(), data, budget, p -> { }))
                .isInstanceOf(OptimizerException.class)
                .hasMessageContaining("No int8 configuration of cnn.onnx keeps score within 0.5 of fp32's 1.0000")
                .hasMessageContaining("0 float (all int8) 0.0000, 1 float (most sensitive) 0.0000, 1 float (first in graph order)");
        assertThat(evaluated).first().isEqualTo(fp32);
        assertThat(evaluated.size()).isGreaterThan(2);
        assertThat(int8).doesNotExist();
    }

    @Test
    void matmul_weights_get_one_scale_per_column_and_still_fuse_into_an_integer_kernel() {
        // Columns of very different ranges: per tensor, the small ones would get one or two levels.
        OnnxModel model = OnnxModel.create("matmul_columns", 17);
        var graph = model.graph();
        graph.addInput(dev.outpost.model.ValueInfo.of("x", dev.outpost.model.ElementType.FLOAT, 4, 64));
        float[] weights = new float[64 * 32];
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (random.nextGaussian() * Math.pow(2, i % 32 / 4.0));
        }
        graph.addInitializer("w", dev.outpost.model.TensorData.ofFloats(weights, 64, 32));
        graph.add(dev.outpost.model.Op.MAT_MUL, java.util.List.of("x", "w"), java.util.List.of("y"), Map.of());
        graph.addOutput(dev.outpost.model.ValueInfo.of("y", dev.outpost.model.ElementType.FLOAT, 4, 32));
        Path fp32 = dir.resolve("matmul.onnx");
        model.write(fp32);
        Path int8 = dir.resolve("matmul-int8.onnx");
        CalibrationData calibration;
        try (ModelSession session = engine.open(fp32)) {
            calibration = CalibrationData.random(session.inputs(), 8, 1);
        }

        QuantizationResult result = new Quantizer(engine).quantize(fp32, int8, QuantizationOptions.builder().build(),
                calibration, p -> { });

        var dequantize = OnnxModel.read(int8).graph().nodes(dev.outpost.model.Op.DEQUANTIZE_LINEAR).stream()
                .filter(node -> node.attributeInt("axis", -99) == 1).toList();
        assertThat(dequantize).as("the weight's DequantizeLinear, along the output columns").hasSize(1);
        assertThat(OnnxModel.read(int8).graph().initializer(dequantize.getFirst().input(1)).orElseThrow().dims())
                .containsExactly(32);
        assertThat(result.integerKernels()).as(result.fusedOps().toString()).isPositive();
        assertThat(cosine(fp32, int8, calibration.sample(2))).isGreaterThan(0.9999);
    }

    @Test
    void weights_given_as_constant_nodes_are_quantized_without_pre_optimization() {
        OnnxModel model = TinyModels.gemm(5);
        var graph = model.graph();
        var gemm = graph.nodes(dev.outpost.model.Op.GEMM).getFirst();
        String weight = gemm.input(1);
        var data = graph.initializer(weight).orElseThrow().data();
        graph.removeInitializer(weight);
        graph.add(dev.outpost.model.Op.CONSTANT, java.util.List.of(), java.util.List.of(weight), Map.of("value", data));
        graph.sortTopologically();
        Path fp32 = dir.resolve("gemm-constant.onnx");
        model.write(fp32);
        Path int8 = dir.resolve("gemm-constant-int8.onnx");
        CalibrationData calibration;
        try (ModelSession session = engine.open(fp32)) {
            calibration = CalibrationData.random(session.inputs(), 8, 1);
        }

        QuantizationResult result = new Quantizer(engine).quantize(fp32, int8,
                QuantizationOptions.builder().preOptimize(false).build(), calibration, p -> { });

        assertThat(result.keptFloat()).isEmpty();
        assertThat(result.quantizedOps()).containsEntry("Gemm", 1);
        assertThat(OnnxModel.read(int8).graph().nodes(dev.outpost.model.Op.CONSTANT)).isEmpty();
        assertThat(cosine(fp32, int8, calibration.sample(2))).isGreaterThan(0.9999);
    }

    static double cosine(Path a, Path b, Map<String, Tensor> inputs) {
        try (ModelSession sa = engine.open(a); ModelSession sb = engine.open(b);
                Outputs oa = sa.run(inputs); Outputs ob = sb.run(inputs)) {
            float[] x = oa.first().toFloatArray();
            float[] y = ob.first().toFloatArray();
            double dot = 0, nx = 0, ny = 0;
            for (int i = 0; i < x.length; i++) {
                dot += (double) x[i] * y[i];
                nx += (double) x[i] * x[i];
                ny += (double) y[i] * y[i];
            }
            return dot / Math.sqrt(nx * ny);
        }
    }
}
