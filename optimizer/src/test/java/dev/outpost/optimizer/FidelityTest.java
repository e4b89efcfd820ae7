package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.ElementType;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.ValueInfo;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import dev.outpost.testing.TinyModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output comparison every pass relies on: exact for identical models, sensitive to changes, strict on interfaces. */
class FidelityTest {

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

    private Path write(OnnxModel model, String name) {
        Path path = dir.resolve(name);
        model.write(path);
        return path;
    }

    @Test
    void identicalModels_areExact() {
        Path model = write(TinyModels.mlp(1, TinyModels.Batch.dynamic()), "a.onnx");

        Fidelity.Report report = Fidelity.compare(engine, model, model, Fidelity.Options.defaults().withSamples(3));

        assertThat(report.samples()).isEqualTo(3);
        Fidelity.OutputStats stats = report.output(TinyModels.OUTPUT);
        assertThat(stats.elements()).isEqualTo(3 * 4); // symbolic batch set to 1
        assertThat(stats.maxAbsError()).isZero();
        assertThat(stats.cosine()).isEqualTo(1.0);
        assertThat(stats.sqnrDb()).isInfinite();
        assertThat(stats.argmaxAgreement()).isEqualTo(1.0);
    }

    @Test
    void otherWeights_areSeen_andRequireCosineRefuses() {
        Path a = write(TinyModels.mlp(1, TinyModels.Batch.fixed(2)), "a.onnx");
        Path b = write(TinyModels.mlp(2, TinyModels.Batch.fixed(2)), "b.onnx");

        Fidelity.Report report = Fidelity.compare(engine, a, b, Fidelity.Options.defaults());

        assertThat(report.minCosine()).isLessThan(0.99);
        assertThat(report.maxAbsError()).isPositive();
        assertThat(report.minSqnrDb()).isLessThan(20);
        assertThatThrownBy(() -> report.requireCosine(0.999, "The candidate"))
                .isInstanceOf(OptimizerException.class).hasMessageContaining("The candidate differs")
                .extracting(e -> ((OptimizerException) e).code()).isEqualTo(OptimizerException.Code.VERIFICATION_FAILED);
    }

    @Test
    void float16Candidate_getsConvertedInputs() {
        OnnxModel half = OnnxModel.create("half", 17);
        half.graph().addInput(ValueInfo.of("x", ElementType.FLOAT16, 1, 4));
        half.graph().add(Op.CAST, List.of("x"), List.of("y"), Map.of("to", (long) ElementType.FLOAT.code()));
        half.graph().addOutput(ValueInfo.of("y", ElementType.FLOAT, 1, 4));
        OnnxModel full = OnnxModel.create("full", 17);
        full.graph().addInput(ValueInfo.of("x", ElementType.FLOAT, 1, 4));
        full.graph().add(Op.IDENTITY, List.of("x"), List.of("y"), Map.of());
        full.graph().addOutput(ValueInfo.of("y", ElementType.FLOAT, 1, 4));

        Fidelity.Report report = Fidelity.compare(engine, write(full, "full.onnx"), write(half, "half.onnx"),
                Fidelity.Options.defaults());

        assertThat(report.maxAbsError()).isGreaterThan(0).isLessThan(1e-3);
        assertThat(report.minCosine()).isGreaterThan(0.99999);
    }

    @Test
    void missingOutput_isVerificationFailed() {
        Path a = write(TinyModels.relu(), "a.onnx");
        Path b = write(TinyModels.singleOp(Op.RELU, ElementType.FLOAT), "b.onnx");

        assertThatThrownBy(() -> Fidelity.compare(engine, a, b, Fidelity.Options.defaults()))
                .isInstanceOf(OptimizerException.class).hasMessageContaining("has no output 'output'");
    }

    @Test
    void callerInputs_areUsed_andRandomInputsRespectTypes() {
        Path model = write(TinyModels.mlp(1, TinyModels.Batch.dynamic()), "a.onnx");
        try (Tensor x = Tensor.of(new float[32], 2, 16)) {
            Fidelity.Report report = Fidelity.compare(engine, model, model, List.of(Map.of("input", x)),
                    SessionConfig.defaults());
            assertThat(report.output("output").elements()).isEqualTo(8);
        }
        Map<String, Tensor> inputs = Fidelity.randomInputs(List.of(TensorSpec.of("ids", DType.INT64, -1, 3),
                TensorSpec.of("mask", DType.BOOL, 2)), Fidelity.Options.defaults(), new SplittableRandom(1));
        try (Tensor ids = inputs.get("ids"); Tensor mask = inputs.get("mask")) {
            assertThat(ids.shape()).containsExactly(1, 3);
            for (long v : new long[] {ids.longBuffer().get(0), ids.longBuffer().get(1), ids.longBuffer().get(2)}) {
                assertThat(v).isBetween(0L, 9L);
            }
            assertThat(mask.getFloat(0)).isIn(0f, 1f);
        }
        assertThatThrownBy(() -> Fidelity.compare(engine, model, model, List.of(), SessionConfig.defaults()))
                .isInstanceOf(OptimizerException.class).hasMessageContaining("No input sets");
    }

    @Test
    void badOptions_areInvalidOption() {
        Fidelity.Options defaults = Fidelity.Options.defaults();
        assertThatThrownBy(() -> defaults.withSamples(0)).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("samples is 0");
        assertThatThrownBy(() -> defaults.withRange(1f, 1f)).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("low < high");
        assertThatThrownBy(() -> new Fidelity.Options(1, 1, 1, 0f, 1f, 10, SessionConfig.builder()
                .optimizedModelPath(dir.resolve("x.onnx")).build())).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("must not write files");
    }
}
