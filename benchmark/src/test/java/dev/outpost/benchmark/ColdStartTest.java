package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColdStartTest {

    @Test
    void parse_readsTheTimingsLine() {
        ColdStartResult result = ColdStartProbe.parse("JVM noise\noutpost-cold-start engine_ns=5 load_ns=7 first_run_ns=9\n", 0, 100);

        assertThat(result).isEqualTo(new ColdStartResult(100, 5, 7, 9));
    }

    @Test
    void parse_reportsTheChildsError() {
        assertThatThrownBy(() -> ColdStartProbe.parse("outpost-cold-start error Model file x.onnx not found\n", 1, 1))
                .isInstanceOf(BenchmarkException.class)
                .hasMessage("Cold-start process failed: Model file x.onnx not found");
    }

    @Test
    void parse_withoutTheLine_showsTheOutput() {
        assertThatThrownBy(() -> ColdStartProbe.parse("Error: Could not find or load main class\n", 1, 1))
                .isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("exited with 1 without a line 'outpost-cold-start engine_ns=N")
                .hasMessageContaining("Could not find or load main class");
    }

    @Test
    void measure_runsTheModelInAFreshProcess(@TempDir Path folder) throws Exception {
        Path model = folder.resolve("tiny.onnx");
        Files.write(model, TinyModels.conv(1).toBytes());

        ColdStartResult result = ColdStartProbe.measure(model, 1);

        assertThat(result.loadNanos()).isPositive();
        assertThat(result.firstRunNanos()).isPositive();
        assertThat(result.processWallNanos()).isGreaterThan(result.engineNanos() + result.loadNanos() + result.firstRunNanos());
    }

    @Test
    void measure_missingModel_reportsTheChildsMessage(@TempDir Path folder) {
        assertThatThrownBy(() -> ColdStartProbe.measure(folder.resolve("absent.onnx"), 1))
                .isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("Cold-start process failed")
                .hasMessageContaining("absent.onnx");
    }
}
