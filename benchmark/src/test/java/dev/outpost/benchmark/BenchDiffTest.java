package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchDiffTest {

    @TempDir
    Path dir;

    private static final long MS = SampleReports.MS;

    /** A SingleStream report of {@code model} whose runs take {@code scales} times the sample latencies. */
    private static BenchReport report(String model, double... scales) {
        BenchReport base = SampleReports.singleStream();
        List<RepeatRun> runs = new ArrayList<>();
        for (double scale : scales) {
            LatencyStats latency = new LatencyStats(1000, (long) (8 * MS * scale), (long) (10 * MS * scale),
                    (long) (20 * MS * scale), (long) (25 * MS * scale), (long) (30 * MS * scale),
                    (long) (40 * MS * scale), (long) (50 * MS * scale), 12 * MS * scale);
            ScenarioResult result = new ScenarioResult(Scenario.SINGLE_STREAM, 1000, 1000, (long) (12_000 * MS * scale),
                    latency, 0);
            runs.add(new RepeatRun(result, Optional.empty(), base.representative().cpu(), base.representative().energy()));
        }
        Noise noise = Noise.of("p90 latency (ns)", Arrays.stream(scales).map(scale -> 20 * MS * scale).boxed().toList(),
                0.05);
        return new BenchReport(model, base.modelSizeBytes(), base.settings(), 1, base.inputs(), base.environment(),
                base.warmLoadNanos(), Optional.empty(), base.warmUp(), runs, noise, base.memory(), base.peak(),
                base.macsPerSample(), base.integerMacsPerSample(), base.harnessOverheadNanos());
    }

    private Path write(String name, BenchReport... reports) throws Exception {
        Path file = dir.resolve(name);
        BenchJson.write(file, List.of(reports), Optional.empty());
        return file;
    }

    @Test
    void latencyUpBeyondNoise_isARegression_onEveryMetric() throws Exception {
        Path old = write("old.json", report("m.onnx", 1.0, 1.01, 0.99));
        Path now = write("new.json", report("m.onnx", 1.20, 1.21, 1.19));

        BenchDiff diff = BenchDiff.compare(old, now, BenchDiff.DEFAULT_FLOOR);

        assertThat(diff.findings()).extracting(BenchDiff.Finding::metric)
                .containsExactly("p50 latency", "p90 latency", "throughput");
        assertThat(diff.findings()).allSatisfy(finding -> assertThat(finding.verdict())
                .isEqualTo(BenchDiff.Verdict.REGRESSED));
        BenchDiff.Finding p90 = diff.findings().get(1);
        assertThat(p90.change()).isCloseTo(0.20, within(0.001));
        assertThat(p90.tolerance()).isEqualTo(BenchDiff.DEFAULT_FLOOR); // CVs of 1%: the floor decides
        assertThat(diff.regressed()).isTrue();
        assertThat(diff.render()).contains("+20.0%", "regressed", "3 regression(s) beyond the measured noise");
    }

    @Test
    void changeWithinTheMeasuredSpread_isNoise_evenAboveTheFloor() throws Exception {
        // Runs vary by about 10%: a 12% slowdown is within 2 * sqrt(cv_old^2 + cv_new^2) (about 28%).
        Path old = write("old.json", report("m.onnx", 0.9, 1.0, 1.1));
        Path now = write("new.json", report("m.onnx", 1.02, 1.12, 1.22));

        BenchDiff diff = BenchDiff.compare(old, now, BenchDiff.DEFAULT_FLOOR);

        assertThat(diff.findings().get(0).change()).isCloseTo(0.12, within(0.001));
        assertThat(diff.findings().get(0).tolerance()).isGreaterThan(0.25);
        assertThat(diff.findings()).allSatisfy(finding -> assertThat(finding.verdict())
                .isEqualTo(BenchDiff.Verdict.WITHIN_NOISE));
        assertThat(diff.regressed()).isFalse();
    }

    @Test
    void singleRuns_useTheFloorAsTheirSpread_andFasterIsAnImprovement() throws Exception {
        Path old = write("old.json", report("models/m.onnx", 1.0));
        Path now = write("new.json", report("elsewhere/m.onnx", 0.5));

        BenchDiff diff = BenchDiff.compare(old, now, 0.05);

        // Matched by file name; tolerance max(0.05, 2 * sqrt(0.05^2 + 0.05^2)) = 0.1414.
        assertThat(diff.findings().get(0).tolerance()).isCloseTo(2 * Math.sqrt(0.005), within(1e-9));
        assertThat(diff.findings()).allSatisfy(finding -> assertThat(finding.verdict())
                .isEqualTo(BenchDiff.Verdict.IMPROVED));
        assertThat(diff.regressed()).isFalse();
    }

    @Test
    void modelsInOnlyOneFile_areNoted() throws Exception {
        Path old = write("old.json", report("a.onnx", 1.0), report("b.onnx", 1.0));
        Path now = write("new.json", report("a.onnx", 1.0), report("c.onnx", 1.0));

        BenchDiff diff = BenchDiff.compare(old, now, 0.05);

        assertThat(diff.findings()).extracting(BenchDiff.Finding::model).containsOnly("a.onnx");
        assertThat(diff.notes()).containsExactly("c.onnx: only in " + now, "b.onnx: only in " + old);
    }

    @Test
    void notJson_wrongSchema_missingFile_andBadFloor_getClearErrors() throws Exception {
        Path good = write("good.json", report("m.onnx", 1.0));
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "p90 was 20 ms\n");
        Path other = dir.resolve("other.json");
        Files.writeString(other, "{\"schema\": \"outpost.bench/0\", \"reports\": []}");
        Path noRuns = dir.resolve("noruns.json");
        Files.writeString(noRuns, Files.readString(good).replaceFirst("\"runs\": \\[", "\"runs\": 7, \"x\": ["));

        assertThatThrownBy(() -> BenchDiff.compare(text, good, 0.05)).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining(text + ": not valid JSON").hasMessageContaining("written by 'outpost bench --json'")
                .extracting(e -> ((BenchmarkException) e).code()).isEqualTo(BenchmarkException.Code.INVALID_REPORT);
        assertThatThrownBy(() -> BenchDiff.compare(good, other, 0.05))
                .hasMessageContaining(other + ": schema is 'outpost.bench/0'; expected 'outpost.bench/1'");
        assertThatThrownBy(() -> BenchDiff.compare(good, noRuns, 0.05))
                .hasMessageContaining("\"runs\" is a number; expected an array");
        assertThatThrownBy(() -> BenchDiff.compare(good, dir.resolve("absent.json"), 0.05))
                .hasMessageContaining("absent.json does not exist");
        assertThatThrownBy(() -> BenchDiff.compare(good, good, 1.5)).hasMessageContaining("Noise floor is 1.5");
    }

    @Test
    void jsonIn_rejectsTruncatedAndTrailingText() {
        assertThatThrownBy(() -> JsonIn.parse("{\"a\": [1, 2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> JsonIn.parse("{} x")).hasMessageContaining("trailing text");
        assertThatThrownBy(() -> JsonIn.parse("\"\\u12")).hasMessageContaining("\\u escape");
        assertThat(JsonIn.parse("{\"a\": [1.5, null, true, \"x\\n\"]}").toString()).isEqualTo("{a=[1.5, null, true, x\n]}");
    }
}
