package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Execution-provider fallback on this CPU-only build, and SessionConfig validation and effects. */
class ProvidersAndConfigTest {

    private static InferenceEngine engine;

    @BeforeAll
    static void openEngine() {
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    @Test
    void engine_reportsVersionAndCpu() {
        assertThat(engine.ortVersion()).isEqualTo("1.29.0");
        assertThat(engine.availableProviders()).contains(ExecutionProvider.CPU);
    }

    @Test
    void cuda_fallsBackToCpu_andSaysWhy() {
        SessionConfig config = SessionConfig.builder().providers(ExecutionProvider.CUDA).build();
        try (ModelSession session = engine.open(TestFixtures.model("mnist_cntk.onnx"), config)) {
            ProviderReport report = session.providers();
            assertThat(report.requested()).containsExactly(ExecutionProvider.CUDA);
            assertThat(report.used()).containsExactly(ExecutionProvider.CPU);
            assertThat(report.fellBack()).isTrue();
            assertThat(report.fallbacks().get(ExecutionProvider.CUDA)).contains("not in this ONNX Runtime build");
            assertThat(report.toString()).contains("CUDA skipped");
        }
    }

    @Test
    void cuda_required_failsWithProviderUnavailable() {
        SessionConfig config = SessionConfig.builder().providers(ExecutionProvider.CUDA, ExecutionProvider.XNNPACK)
                .requireProviders(true).build();
        assertThatThrownBy(() -> engine.open(TestFixtures.model("mnist_cntk.onnx"), config))
                .isInstanceOfSatisfying(InferenceException.class, error ->
                        assertThat(error.code()).isEqualTo(InferenceException.Code.PROVIDER_UNAVAILABLE))
                .hasMessageContaining("Execution provider CUDA is required but unavailable")
                .hasMessageContaining("fall back to [XNNPACK, CPU]");
    }

    @Test
    void config_rejectsBadValues_namingValueAndRange() {
        assertThatThrownBy(() -> SessionConfig.builder().intraOpThreads(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("intraOpThreads is -1; expected 0 (ONNX Runtime's default) to 1024");
        assertThatThrownBy(() -> SessionConfig.builder().interOpThreads(5000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interOpThreads is 5000");
        assertThatThrownBy(() -> SessionConfig.builder().providers(ExecutionProvider.CPU, ExecutionProvider.CUDA))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contain CPU");
        assertThatThrownBy(() -> SessionConfig.builder().providers(ExecutionProvider.CUDA, ExecutionProvider.CUDA))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name CUDA twice");
        assertThatThrownBy(() -> SessionConfig.builder().configEntry("intra_op.allow_spinning", "0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("starting with 'session.'");
        assertThatThrownBy(() -> SessionConfig.builder().configEntry("session.intra_op.allow_spinning", "1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spinning(boolean)");
        assertThatThrownBy(() -> SessionConfig.builder().optimizedModelPath(Path.of("/no/such/dir/model.onnx")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/no/such/dir");
        assertThatThrownBy(() -> SessionConfig.builder().providerOptions(ExecutionProvider.CUDA, Map.of("device_id", "0")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CUDA is not among the providers []");
        assertThatThrownBy(() -> ExecutionProvider.parse("tpu"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unknown execution provider 'tpu'");
    }

    @Test
    void config_defaults_areForEdgeDevices_andRoundTripThroughTheBuilder() {
        SessionConfig defaults = SessionConfig.defaults();
        assertThat(defaults.spinning()).isFalse();
        assertThat(defaults.intraOpThreads()).isZero();
        assertThat(defaults.optimizationLevel()).isEqualTo(SessionConfig.OptimizationLevel.ALL);
        assertThat(defaults.providers()).isEmpty();
        assertThat(defaults.requireProviders()).isFalse();
        SessionConfig custom = SessionConfig.builder().intraOpThreads(2).spinning(true)
                .providers(ExecutionProvider.OPENVINO).providerOptions(ExecutionProvider.OPENVINO, Map.of("device_type", "GPU"))
                .configEntry("session.set_denormal_as_zero", "1").build();
        assertThat(custom.toBuilder().build()).isEqualTo(custom);
        assertThat(ExecutionProvider.parse("open-vino")).isEqualTo(ExecutionProvider.OPENVINO);
    }

    @Test
    void optimizedModelPath_isWrittenWhenTheSessionOpens(@TempDir Path dir) {
        Path optimized = dir.resolve("mnist.opt.onnx");
        SessionConfig config = SessionConfig.builder().optimizationLevel(SessionConfig.OptimizationLevel.EXTENDED)
                .optimizedModelPath(optimized).intraOpThreads(1).configEntry("session.set_denormal_as_zero", "1")
                .memoryPattern(false).cpuArena(false).build();
        try (ModelSession session = engine.open(TestFixtures.model("mnist_cntk.onnx"), config)) {
            assertThat(Files.isRegularFile(optimized)).isTrue();
            try (ModelSession reopened = engine.open(optimized, SessionConfig.defaults())) {
                assertThat(reopened.outputs()).isEqualTo(session.outputs());
            }
        }
    }
}
