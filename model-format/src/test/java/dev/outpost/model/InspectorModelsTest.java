package dev.outpost.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.model.ModelReport.QuantizationForm;
import dev.outpost.model.proto.Onnx;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Inspection of the shared real models: MACs against published figures, quantization forms, parameters. */
class InspectorModelsTest {

    private static ModelReport report(String fileName) {
        Onnx.ModelProto model = TestModels.stripped(TestModels.load(fileName));
        return Inspector.inspect(model, ShapeInference.infer(model));
    }

    @Test
    void squeezenet_macs_are_within_two_percent_of_0_349_g() {
        ModelReport report = report("squeezenet1.0-fp32.onnx");

        assertThat(report.compute().totalMacs() / 1e9).isCloseTo(0.349, within(0.349 * 0.02));
        assertThat(report.compute().uncounted()).isEmpty();
        assertThat(report.compute().nodes()).hasSize(26).allMatch(node -> node.opType().equals("Conv"));
    }

    @Test
    void fp16_squeezenet_counts_the_same_macs_as_fp32() {
        assertThat(report("squeezenet1.0-fp16.onnx").compute().totalMacs())
                .isEqualTo(report("squeezenet1.0-fp32.onnx").compute().totalMacs());
    }

    @Test
    void yolox_nano_macs_are_within_two_percent_of_0_523_g() {
        ModelReport report = report("yolox_nano.onnx");

        assertThat(report.compute().totalMacs() / 1e9).isCloseTo(0.523, within(0.523 * 0.02));
        assertThat(report.compute().batchAssumedOne()).isFalse();
    }

    @Test
    void qdq_resnet8_counts_exactly_like_its_fp32_twin() {
        long fp32 = report("mlperftiny_ic_resnet8_fp32.onnx").compute().totalMacs();

        assertThat(report("mlperftiny_ic_resnet8_qdq.onnx").compute().totalMacs()).isEqualTo(fp32);
        assertThat(fp32).isGreaterThan(10_000_000L);
    }

    @Test
    void integer_macs_are_those_of_nodes_reading_8_bit_values_and_none_of_float_models() {
        ModelReport qdq = report("mlperftiny_ic_resnet8_qdq.onnx");
        ModelReport qoperator = report("mobilenetv2-12-int8.onnx");

        // Every Conv reads dequantized int8; the classifier's Gemm reads a float Reshape of a float
        // AveragePool, so ONNX Runtime runs it in float: 640 MACs.
        assertThat(qdq.compute().nodes()).filteredOn(node -> node.opType().equals("Conv"))
                .isNotEmpty().allMatch(ModelReport.NodeMacs::integer);
        assertThat(qdq.compute().nodes()).filteredOn(node -> !node.integer()).singleElement()
                .satisfies(node -> assertThat(node.opType()).isEqualTo("Gemm"))
                .satisfies(node -> assertThat(node.macs()).isEqualTo(64 * 10));
        assertThat(qdq.compute().integerMacs()).isEqualTo(qdq.compute().totalMacs() - 640);
        assertThat(qoperator.compute().integerMacs()).isEqualTo(qoperator.compute().totalMacs()).isPositive();
        assertThat(report("mlperftiny_ic_resnet8_fp32.onnx").compute().integerMacs()).isZero();
        assertThat(report("squeezenet1.0-fp16.onnx").compute().integerMacs()).isZero();
    }

    @Test
    void qdq_vww_mobilenet_counts_exactly_like_its_fp32_twin() {
        assertThat(report("mlperftiny_vww_mobilenetv1_qdq.onnx").compute().totalMacs())
                .isEqualTo(report("mlperftiny_vww_mobilenetv1_fp32.onnx").compute().totalMacs());
    }

    @Test
    void mnist_macs_match_hand_counts() {
        // CNTK MNIST: Conv 8x(1x5x5) on 28x28 (same padding) + Conv 16x(8x5x5) on 14x14 + MatMul 256x10.
        long cntk = 28 * 28 * 8 * 25L + 14 * 14 * 16 * 8 * 25L + 256 * 10L;
        ModelReport report = report("mnist_cntk.onnx");

        assertThat(report.compute().totalMacs()).isEqualTo(cntk);
        // PyTorch MNIST (batch N taken as 1): Conv 10x(1x5x5) -> 24x24, Conv 20x(10x5x5) -> 8x8,
        // Gemm 320x50, Gemm 50x10.
        ModelReport pytorch = report("mnist_cnn_pytorch.onnx");
        assertThat(pytorch.compute().totalMacs())
                .isEqualTo(24 * 24 * 10 * 25L + 8 * 8 * 20 * 250L + 320 * 50L + 50 * 10L);
        assertThat(pytorch.compute().batchAssumedOne()).isTrue();
    }

    static Map<String, QuantizationForm> expectedForms() {
        return Map.ofEntries(
                Map.entry("squeezenet1.0-fp32.onnx", QuantizationForm.FP32),
                Map.entry("squeezenet1.0-fp16.onnx", QuantizationForm.FP16),
                Map.entry("mobilenetv2-12-int8.onnx", QuantizationForm.QOPERATOR_INT8),
                Map.entry("mobilenet_v2_1.0_224_int8_per_tensor.onnx", QuantizationForm.QDQ_INT8),
                Map.entry("mobilenet_v1_0.5_128_quant.onnx", QuantizationForm.QDQ_INT8),
                Map.entry("yolox_nano.onnx", QuantizationForm.FP32),
                Map.entry("ssd_mobilenet_v2_fpnlite_10_256_int8.onnx", QuantizationForm.QDQ_INT8),
                Map.entry("mnist_cntk.onnx", QuantizationForm.FP32),
                Map.entry("mnist_cnn_pytorch.onnx", QuantizationForm.FP32),
                Map.entry("mlperftiny_ic_resnet8_fp32.onnx", QuantizationForm.FP32),
                Map.entry("mlperftiny_ic_resnet8_qdq.onnx", QuantizationForm.QDQ_INT8),
                Map.entry("mlperftiny_vww_mobilenetv1_fp32.onnx", QuantizationForm.FP32),
                Map.entry("mlperftiny_vww_mobilenetv1_qdq.onnx", QuantizationForm.QDQ_INT8),
                Map.entry("mlperftiny_kws_dscnn_qdq.onnx", QuantizationForm.QDQ_INT8),
                Map.entry("mlperftiny_ad_autoencoder_qdq.onnx", QuantizationForm.QDQ_INT8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.outpost.model.ShapeInferenceModelsTest#models")
    void quantization_form_is_the_one_sources_md_states(String fileName) {
        ModelReport report = report(fileName);

        assertThat(expectedForms()).as("SOURCES.md entry for " + fileName).containsKey(fileName);
        assertThat(report.quantization()).isEqualTo(expectedForms().get(fileName));
    }

    @Test
    void qoperator_mobilenet_counts_quantized_weights_and_reports_scales_apart() {
        ModelReport report = report("mobilenetv2-12-int8.onnx");

        assertThat(report.parameters().byElementType()).containsKeys(ElementType.UINT8, ElementType.INT32);
        assertThat(report.parameters().quantizationParameters().count()).isPositive()
                .isLessThan(report.parameters().total().count() / 10);
        assertThat(report.compute().nodes()).extracting(ModelReport.NodeMacs::opType)
                .containsOnly("QLinearConv", "QLinearMatMul");
        assertThat(report.compute().batchAssumedOne()).isTrue();
        // MobileNetV2 1.0 at 224: about 0.30 G MACs (torchvision 0.301).
        assertThat(report.compute().totalMacs() / 1e9).isCloseTo(0.30, within(0.01));
    }

    @Test
    void provenance_metadata_and_header_are_reported() {
        ModelReport report = report("mlperftiny_ic_resnet8_qdq.onnx");

        assertThat(report.metadata()).containsKeys("xquant_export_time", "xquant_version");
        assertThat(report.irVersion()).isEqualTo(8);
        assertThat(report.opsets()).containsEntry("ai.onnx", 15L);
        assertThat(report.inputs()).singleElement().hasToString(
                "TensorSummary[name=input_1, elementType=FLOAT, shape=[1,32,32,3]]");
        assertThat(report.opHistogram()).containsEntry("ai.onnx:DequantizeLinear", 35)
                .containsEntry("ai.onnx:Conv", 9);
    }
}
