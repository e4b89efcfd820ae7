package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.TensorData;
import dev.outpost.model.ValueInfo;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Raising old opsets to 13: rewrites that keep the outputs, refusals that name the node. */
class OpsetUpgradeTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"squeezenet1.0-fp32.onnx", "mnist_cnn_pytorch.onnx", "mnist_cntk.onnx", "yolox_nano.onnx"})
    void real_models_from_old_opsets_compute_the_same_after_the_upgrade(String file) {
        Path path = SharedFixtures.model(file);
        OnnxModel model = OnnxModel.read(path);
        long from = model.opsetVersion("").orElseThrow();
        try (InferenceEngine engine = InferenceEngine.create()) {
            List<String> changes = OpsetUpgrade.apply(model, model.inferShapes(new RuntimeShapeOracle(engine)));
            assertThat(changes).first().isEqualTo("opset " + from + " -> 13");
            assertThat(model.opsetVersion("")).hasValue(13);
            Path upgraded = dir.resolve("upgraded.onnx");
            model.write(upgraded);
            Fidelity.Report report = Fidelity.compare(engine, path, upgraded, Fidelity.Options.defaults());
            // the same kernels may be picked differently (e.g. once initializers are no longer inputs): float noise only
            assertThat(report.maxAbsError()).as(file + " " + changes).isLessThan(1e-4);
            assertThat(report.minCosine()).isGreaterThan(0.999999);
        }
    }

    @Test
    void an_operator_whose_old_definition_cannot_be_expressed_is_refused_by_name() {
        OnnxModel model = OnnxModel.create("old_upsample", 9);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, 1, 2, 2));
        graph.addInitializer("scales", TensorData.ofFloats(new float[] {1, 1, 2, 2}, 4));
        graph.add("Upsample", List.of("x", "scales"), List.of("y"), Map.of()).setName("up1");
        graph.addOutput(ValueInfo.of("y", ElementType.FLOAT, 1, 1, 4, 4));

        assertThatThrownBy(() -> OpsetUpgrade.apply(model, model.inferShapes()))
                .isInstanceOf(OptimizerException.class)
                .hasMessageContaining("'up1' (Upsample)")
                .hasMessageContaining("opset 9 to 13");
        assertThat(model.opsetVersion("")).hasValue(9);
    }

}
