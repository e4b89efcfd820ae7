package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Object value) {
        return (List<Object>) value;
    }

    private static final List<String> LATENCY_KEYS = List.of("count", "minNs", "p50Ns", "p90Ns", "p95Ns", "p99Ns",
            "p999Ns", "maxNs", "meanNs", "earlyStoppingP90Ns", "earlyStoppingP99Ns");

    @Test
    void json_hasTheDocumentedShapeInOrder() {
        String text = BenchJson.toJson(List.of(SampleReports.singleStream(), SampleReports.serverSearch()),
                Optional.of(Sla.parse("p90<=20ms,size<4MB,top1>=0.68")));

        Map<String, Object> document = object(JsonIn.parse(text));
        assertThat(document.keySet()).containsExactly("schema", "reports");
        assertThat(document.get("schema")).isEqualTo("outpost.bench/1");
        List<Object> reports = array(document.get("reports"));
        assertThat(reports).hasSize(2);
        Map<String, Object> report = object(reports.get(0));
        assertThat(report.keySet()).containsExactly("model", "settings", "environment", "load", "warmUp", "summary",
                "memory", "runs", "sla");
        assertThat(object(report.get("model"))).containsExactly(Map.entry("path", "models/model.onnx"),
                Map.entry("sizeBytes", 5e6), Map.entry("macsPerSample", 1e9), Map.entry("integerMacsPerSample", 0.0));
        assertThat(object(report.get("settings")).keySet()).containsExactly("scenario", "metricPercentile", "durationNs",
                "minQueries", "minSamples", "samplesPerQuery", "warmupQueries", "targetQps", "latencyBoundNs", "workers",
                "seed", "batch", "inputs", "repeat");
        assertThat(object(report.get("settings"))).containsEntry("scenario", "SingleStream")
                .containsEntry("metricPercentile", 90.0).containsEntry("durationNs", 1e10);
        assertThat(object(report.get("environment")).keySet()).containsExactly("cpuModel", "cpuFlags", "cores",
                "memoryBytes", "os", "kernel", "jvm", "ortVersion", "threads", "spinning", "providers", "pinning",
                "governor", "commandLine");
        assertThat(object(report.get("environment")).get("cpuFlags")).isEqualTo(List.of("avx2", "avx512_vnni"));
        assertThat(object(object(report.get("load")).get("cold")).keySet())
                .containsExactly("processNs", "engineNs", "loadNs", "firstRunNs");
        Map<String, Object> summary = object(report.get("summary"));
        assertThat(summary.keySet()).containsExactly("representativeRun", "metric", "median", "cv", "cvThreshold",
                "tooNoisy", "warning", "latency", "samplesPerSecond", "queriesPerSecond", "serverBestQps",
                "gmacsPerSecond", "fractionOfPeak", "peakGmacsPerCore", "peakInt8GmacsPerCore", "peakHeldAgainstGmacsPerCore",
                "peakSource", "threadsUsed", "harnessOverheadNs",
                "harnessOverheadFraction");
        assertThat(summary).containsEntry("harnessOverheadNs", 50.0).containsEntry("harnessOverheadFraction", 5e-6);
        assertThat(object(summary.get("latency")).keySet()).containsExactlyElementsOf(LATENCY_KEYS);
        assertThat(object(summary.get("latency"))).containsEntry("p90Ns", 2e7);
        // 1 GMAC per sample at 1000/12 samples/s; 1 thread of a 50 GMAC/s core.
        assertThat((Double) summary.get("gmacsPerSecond")).isCloseTo(83.333, org.assertj.core.api.Assertions.within(1e-3));
        assertThat(summary.get("cv")).isNull();
        assertThat(summary.get("serverBestQps")).isNull();
        Map<String, Object> run = object(array(report.get("runs")).get(0));
        assertThat(run.keySet()).containsExactly("queries", "samples", "wallNs", "samplesPerSecond",
                "queriesPerSecond", "targetQps", "latency", "cpu", "energy", "serverSearch");
        assertThat(object(run.get("energy"))).containsEntry("available", false).containsEntry("joules", null);
        assertThat(run.get("serverSearch")).isNull();
        Map<String, Object> sla = object(report.get("sla"));
        assertThat(sla).containsEntry("passed", false).containsEntry("budgets",
                List.of("p90<=20ms", "size<4MB", "top1>=0.68"));
        assertThat(array(sla.get("violations"))).extracting(v -> object(v).get("budget"))
                .containsExactly("size<4MB", "top1>=0.68");
    }

    @Test
    void json_serverReport_hasTheSearchAndNullsForWhatWasNotMeasured() {
        Map<String, Object> report = object(array(object(JsonIn.parse(BenchJson.toJson(
                List.of(SampleReports.serverSearch()), Optional.empty()))).get("reports")).get(0));

        assertThat(object(report.get("load")).get("cold")).isNull();
        assertThat(report.get("sla")).isNull();
        Map<String, Object> summary = object(report.get("summary"));
        assertThat(summary).containsEntry("serverBestQps", 80.0).containsEntry("gmacsPerSecond", null)
                .containsEntry("tooNoisy", true).containsEntry("representativeRun", 1.0);
        Map<String, Object> search = object(object(array(report.get("runs")).get(1)).get("serverSearch"));
        assertThat(search.keySet()).containsExactly("boundNs", "capacityQps", "bestQps", "finalRunMetBound", "trials");
        assertThat(array(search.get("trials"))).hasSize(3);
        assertThat(object(array(search.get("trials")).get(2))).containsEntry("metBound", false).containsEntry("p99Ns", 4e7);
    }

    @Test
    void json_escapesStrings() {
        JsonOut json = new JsonOut().beginObject().field("cmd", "bench \"a b\"\n\t\\ \u0001").endObject();

        assertThat(object(JsonIn.parse(json.toString()))).containsEntry("cmd", "bench \"a b\"\n\t\\ \u0001");
    }

    @Test
    void json_writeToAFile_andAnUnwritablePathNamesIt(@TempDir Path folder) throws Exception {
        Path file = folder.resolve("bench.json");
        BenchJson.write(file, List.of(SampleReports.singleStream()), Optional.empty());
        assertThat(object(JsonIn.parse(Files.readString(file)))).containsEntry("schema", "outpost.bench/1");

        Path blocked = folder.resolve("missing/dir/bench.json");
        assertThatThrownBy(() -> BenchJson.write(blocked, List.of(SampleReports.singleStream()), Optional.empty()))
                .isInstanceOf(BenchmarkException.class).hasMessageContaining("Cannot write the JSON report to " + blocked);
    }

    @Test
    void int8Model_isHeldAgainstTheInt8PeakInTableAndJson() {
        BenchReport base = SampleReports.singleStream();
        // 1e9 MACs per sample, 3/4 of them on 8-bit integers, at 83.3 samples/s on one core; peaks 50 and
        // 200 GMAC/s: 0.25 / 50 + 0.75 / 200 = 8.75 ms per sample at peak, an effective 114.3 GMAC/s.
        BenchReport int8 = new BenchReport(base.model(), base.modelSizeBytes(), base.settings(), base.batch(),
                base.inputs(), base.environment(), base.warmLoadNanos(), base.coldStart(), base.warmUp(), base.runs(),
                base.noise(), base.memory(), PeakCompute.given(50, 200), 1_000_000_000L, 750_000_000L, 50);

        assertThat(int8.peakGmacsPerCore()).isCloseTo(1 / 0.00875, within(1e-9));
        assertThat(int8.fractionOfPeak()).isCloseTo(int8.samplesPerSecond() * 0.00875, within(1e-12));
        assertThat(TerminalReport.render(List.of(int8), Optional.empty()))
                .containsPattern("of peak\\s+72\\.9% of 1 x 114\\.3 \\(75% INT8 MACs, given\\)");
        Map<String, Object> summary = object(object(array(object(JsonIn.parse(BenchJson.toJson(List.of(int8),
                Optional.empty()))).get("reports")).get(0)).get("summary"));
        assertThat(summary).containsEntry("peakGmacsPerCore", 50.0).containsEntry("peakInt8GmacsPerCore", 200.0);
        assertThat((Double) summary.get("peakHeldAgainstGmacsPerCore")).isCloseTo(1 / 0.00875, within(1e-9));
    }

    @Test
    void table_showsEveryFigureAndTheSlaVerdict() {
        String table = TerminalReport.render(List.of(SampleReports.singleStream(), SampleReports.serverSearch()),
                Optional.of(Sla.parse("p90<=20ms,size<4MB")));

        assertThat(table).contains("model.onnx", "SingleStream", "Server");
        assertThat(table).containsPattern("latency p90\\s+20\\.00 ms\\s+20\\.00 ms");
        assertThat(table).containsPattern("server best rate\\s+-\\s+80\\.0 qps \\(p99 <= 15\\.00 ms\\), final run missed the bound");
        assertThat(table).containsPattern("peak RSS\\s+150\\.0 MiB");
        assertThat(table).containsPattern("GMAC/s\\s+83\\.33\\s+n/a \\(MACs unknown\\)");
        assertThat(table).containsPattern("of peak\\s+166\\.7% of 1 x 50\\.0 \\(FP32, given\\)");
        assertThat(table).containsPattern("energy/sample\\s+unavailable\\s+5\\.000 mJ");
        assertThat(table).contains("cold start", "900.00 ms (load 250.00 ms)", "not measured");
        assertThat(table).containsPattern("harness overhead\\s+50 ns/query \\(0\\.001% of p50\\)");
        assertThat(table).contains("CPU Intel(R) Xeon(R) Processor [avx2 avx512_vnni], 2 cores");
        assertThat(table).contains("CPUs allowed 0");
        assertThat(table).contains("warning: model.onnx: best rate meeting the p99 bound (qps) varies 7.8% between runs");
        assertThat(table).contains("SLA model.onnx: 1 of 2 budgets broken", "  broken: size<4MB: measured 4.8 MiB");
    }

    @Test
    void progress_redrawsOnlyWhenThePercentOrPhaseChanges() {
        StringWriter text = new StringWriter();
        TerminalProgress progress = new TerminalProgress(new PrintWriter(text));
        progress.prefix("mnist.onnx");

        progress.update("SingleStream", 0.5);
        progress.update("SingleStream", 0.501);
        progress.update("SingleStream", 1.0);
        progress.update("Offline", 1.0);
        progress.finish();

        String[] frames = text.toString().split("\r");
        assertThat(frames).hasSize(5); // "", 3 bars, the clearing blanks (split drops the trailing "")
        assertThat(frames[1]).isEqualTo("mnist.onnx SingleStream [############............]  50%");
        assertThat(frames[2]).isEqualTo("mnist.onnx SingleStream [########################] 100%");
        assertThat(frames[3]).startsWith("mnist.onnx Offline [########################] 100%");
        assertThat(frames[4]).isBlank();
    }
}
