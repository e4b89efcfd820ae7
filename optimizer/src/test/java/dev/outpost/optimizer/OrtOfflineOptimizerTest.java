package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.OnnxModel;
import dev.outpost.optimizer.OrtOfflineOptimizer.Format;
import dev.outpost.optimizer.OrtOfflineOptimizer.Level;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.testing.SharedFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime's optimizations saved offline, at each level and in both formats, on squeezenet and
 * yolox_nano. Tolerance: cosine >= 0.9999 on every output (the optimizer's own check).
 */
class OrtOfflineOptimizerTest {

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

    private OrtOfflineOptimizer.Result optimize(String model, Level level, Format format, Path target, float high) {
        OrtOfflineOptimizer.Options options = OrtOfflineOptimizer.Options.of(level, format)
                .withFidelity(Fidelity.Options.defaults().withRange(0f, high));
        return OrtOfflineOptimizer.create(engine, options).optimize(SharedFixtures.model(model), target);
    }

    @Test
    void squeezenet_basic_dropsDropout_withStandardOpsOnly() {
        Path target = dir.resolve("squeezenet-basic.onnx");

        OrtOfflineOptimizer.Result result = optimize("squeezenet1.0-fp32.onnx", Level.BASIC, Format.ONNX, target, 1f);

        assertThat(result.opsBefore()).containsEntry("Conv", 26).containsEntry("Dropout", 1);
        assertThat(result.opsAfter()).doesNotContainKey("Dropout").containsEntry("Conv", 26);
        assertThat(result.opsAfter().keySet()).noneMatch(op -> op.contains(":"));
        assertThat(result.hardwareSpecific()).isFalse();
        assertThat(result.fidelity().orElseThrow().minCosine()).isGreaterThan(0.9999);
        OnnxModel saved = OnnxModel.read(target);
        assertThat(saved.metadata().get(PassSupport.PASSES))
                .isEqualTo("ort-optimize(level=basic,format=onnx,onnxruntime=" + engine.ortVersion() + ")");
    }

    @Test
    void squeezenet_extended_fusesConvRelu() {
        Path target = dir.resolve("squeezenet-extended.onnx");

        OrtOfflineOptimizer.Result result = optimize("squeezenet1.0-fp32.onnx", Level.EXTENDED, Format.ONNX, target,
                1f);

        assertThat(result.opsAfter()).containsEntry("com.microsoft:FusedConv", 26).doesNotContainKey("Relu");
        assertThat(result.nodesAfter()).isLessThan(result.nodesBefore());
        assertThat(result.bytesAfter()).isPositive();
    }

    @Test
    void yolox_all_asOrtFormat_loadsBack_isHardwareSpecific_andCarriesProvenance() throws Exception {
        Path target = dir.resolve("yolox.ort");

        OrtOfflineOptimizer.Result result = optimize("yolox_nano.onnx", Level.ALL, Format.ORT, target, 255f);

        assertThat(result.hardwareSpecific()).isTrue();
        assertThat(result.opsAfter()).containsKey("com.microsoft.nchwc:Conv");
        assertThat(result.fidelity().orElseThrow().minCosine()).isGreaterThan(0.9999);
        byte[] header = new byte[8];
        try (var in = Files.newInputStream(target)) {
            assertThat(in.read(header)).isEqualTo(8);
        }
        assertThat(new String(header, 4, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("ORTM");
        SessionConfig ortFormat = SessionConfig.builder().configEntry("session.load_model_format", "ORT").build();
        try (ModelSession session = engine.open(target, ortFormat)) {
            assertThat(session.metadata().custom()).containsEntry(PassSupport.SOURCE_SHA256,
                    PassSupport.sha256(SharedFixtures.model("yolox_nano.onnx")));
        }
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void yolox_extended_fusesSiLU() {
        OrtOfflineOptimizer.Result result = optimize("yolox_nano.onnx", Level.EXTENDED, Format.ONNX,
                dir.resolve("yolox-extended.onnx"), 255f);

        assertThat(result.opsBefore()).containsEntry("Sigmoid", 110);
        assertThat(result.opsAfter()).containsKey("com.microsoft:QuickGelu").doesNotContainKey("com.microsoft.nchwc:Conv");
    }

    @Test
    void unloadableSource_isUnsupportedModel_andNothingWritten() {
        OnnxModel broken = dev.outpost.testing.TinyModels.unknownOperator();
        Path source = dir.resolve("unknown.onnx");
        broken.write(source);
        Path target = dir.resolve("out.onnx");

        assertThatThrownBy(() -> OrtOfflineOptimizer.create(engine, OrtOfflineOptimizer.Options.defaults())
                .optimize(source, target)).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("cannot load")
                .extracting(e -> ((OptimizerException) e).code()).isEqualTo(OptimizerException.Code.UNSUPPORTED_MODEL);
        assertThat(target).doesNotExist();
    }

    @Test
    void levels_parse_andBadOptionsAreInvalidOption() {
        assertThat(OrtOfflineOptimizer.parseLevel(" Extended ")).isEqualTo(Level.EXTENDED);
        assertThatThrownBy(() -> OrtOfflineOptimizer.parseLevel("layout")).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("expected basic, extended or all");
        assertThatThrownBy(() -> new OrtOfflineOptimizer.Options(Level.ALL, Format.ONNX, true, 0,
                Fidelity.Options.defaults())).isInstanceOf(OptimizerException.class).hasMessageContaining("minCosine");
    }
}
