package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.model.ModelReport;
import dev.outpost.model.OnnxModel;
import org.junit.jupiter.api.Test;

/**
 * The inspector's MAC count on the builder's ResNet-50 and MobileNetV2 against the published
 * figures (torchvision: 4.09 G and 0.30 G per 224x224 image), counted by the model-format inspector
 * from its own inferred shapes (independently of the builder's bookkeeping in TinyModelsTest).
 */
class BuilderModelsInspectionTest {

    @Test
    void resnet50_hasTheMacsOfTorchvisionResNet50() {
        ModelReport report = TinyModels.resnet50(1, TinyModels.Batch.fixed(1)).inspect();
        assertThat((double) report.compute().totalMacs()).isCloseTo(4.09e9, within(0.01 * 4.09e9));
        assertThat(report.quantization()).isEqualTo(ModelReport.QuantizationForm.FP32);
        assertThat(report.unresolvedTensors()).isEmpty();
    }

    @Test
    void mobileNetV2_hasTheMacsOfTorchvisionMobileNetV2() {
        ModelReport report = TinyModels.mobileNetV2(1, TinyModels.Batch.fixed(1)).inspect();
        assertThat((double) report.compute().totalMacs()).isCloseTo(0.30e9, within(0.01 * 0.30e9));
        assertThat(report.unresolvedTensors()).isEmpty();
    }

    @Test
    void dynamicBatch_countsMacsForBatchOneAndSaysSo() {
        OnnxModel model = TinyModels.resnet50(1, TinyModels.Batch.dynamic());
        ModelReport report = model.inspect();
        assertThat(report.compute().batchAssumedOne()).isTrue();
        assertThat((double) report.compute().totalMacs()).isCloseTo(4.09e9, within(0.01 * 4.09e9));
    }
}
