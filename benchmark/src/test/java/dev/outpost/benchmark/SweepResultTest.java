package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class SweepResultTest {

    private static final String SVG = "http://www.w3.org/2000/svg";

    @TempDir
    Path dir;

    /** The sample report under another model name, with p50 {@code p50Ms} and {@code samples} in 12 s. */
    private static BenchReport report(String model, long p50Ms, long samples) {
        BenchReport base = SampleReports.singleStream();
        long ms = SampleReports.MS;
        LatencyStats latency = new LatencyStats(1000, p50Ms * ms / 2, p50Ms * ms, 2 * p50Ms * ms, 2 * p50Ms * ms,
                3 * p50Ms * ms, 4 * p50Ms * ms, 5 * p50Ms * ms, p50Ms * ms);
        ScenarioResult result = new ScenarioResult(Scenario.OFFLINE, samples, samples, 12_000 * ms, latency, 0);
        RepeatRun run = new RepeatRun(result, Optional.empty(), base.runs().get(0).cpu(), base.runs().get(0).energy());
        return new BenchReport(model, base.modelSizeBytes(), base.settings(), base.batch(), base.inputs(),
                base.environment(), base.warmLoadNanos(), Optional.empty(), base.warmUp(), List.of(run),
                Noise.of("throughput (samples/s)", List.of((double) samples), 0.05), base.memory(), base.peak(),
                base.macsPerSample(), base.integerMacsPerSample(), base.harnessOverheadNanos());
    }

    /** fp32 at t1 b1, t1 b2, t2 b1; int8 at t1 b1 and a skipped t1 b2 (fixed batch). */
    private static List<SweepResult.Point> points() {
        return List.of(
                SweepResult.Point.measured("m/fp32.onnx", 1, 1, "cpu", report("m/fp32.onnx", 10, 1200)),
                SweepResult.Point.measured("m/fp32.onnx", 1, 2, "cpu", report("m/fp32.onnx", 16, 1800)),
                SweepResult.Point.measured("m/fp32.onnx", 2, 1, "cpu", report("m/fp32.onnx", 6, 2000)),
                SweepResult.Point.measured("m/int8.onnx", 1, 1, "cpu", report("m/int8.onnx", 4, 3000)),
                SweepResult.Point.skipped("m/int8.onnx", 1, 2, "cpu", "input 'x' [1,3] has a fixed batch of 1"));
    }

    private static SweepResult sweep(EvalAccuracy accuracy) {
        return new SweepResult(Scenario.OFFLINE, List.of(1, 2), List.of(1, 2), List.of("cpu"), points(), accuracy);
    }

    private EvalAccuracy accuracy() throws Exception {
        Path file = dir.resolve("eval.json");
        Files.writeString(file, EvalAccuracyTest.evalJson("fp32.onnx", "0.8", "int8.onnx", "0.78"));
        return EvalAccuracy.read(List.of(file));
    }

    @Test
    void aggregation_reportsInOrder_groupsByModel_fastestPerModel() throws Exception {
        SweepResult sweep = sweep(accuracy());

        assertThat(sweep.reports()).hasSize(4);
        Map<String, List<SweepResult.Point>> byModel = sweep.measuredByModel();
        assertThat(byModel.keySet()).containsExactly("m/fp32.onnx", "m/int8.onnx");
        assertThat(byModel.get("m/fp32.onnx")).extracting(SweepResult.Point::label)
                .containsExactly("t1 b1", "t1 b2", "t2 b1");
        assertThat(sweep.fastestWithAccuracy().get("m/fp32.onnx").label()).isEqualTo("t2 b1");
        assertThat(sweep.fastestWithAccuracy().get("m/int8.onnx").label()).isEqualTo("t1 b1");
        assertThatThrownBy(() -> new SweepResult.Point("m.onnx", 1, 1, "cpu", Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither");
    }

    @Test
    void table_oneRowPerPoint_skippedWithReason_accuracyColumnWhenAttached() throws Exception {
        String plain = sweep(EvalAccuracy.none()).render();
        assertThat(plain).startsWith("Sweep: Offline, 5 point(s)").doesNotContain("accuracy");
        assertThat(plain.lines().filter(line -> line.startsWith("fp32.onnx") || line.startsWith("int8.onnx")))
                .hasSize(5);
        assertThat(plain).containsPattern("fp32\\.onnx\\s+2\\s+1\\s+cpu\\s+6\\.00 ms\\s+12\\.00 ms\\s+18\\.00 ms"
                + "\\s+166\\.7\\s+166\\.67");
        assertThat(plain).containsPattern("int8\\.onnx\\s+1\\s+2\\s+cpu(\\s+-){5}\\s+skipped: input 'x' \\[1,3\\]"
                + " has a fixed batch of 1");
        assertThat(plain).contains("1 of 5 point(s) skipped");

        String withAccuracy = sweep(accuracy()).render();
        assertThat(withAccuracy).containsPattern("model\\s+threads\\s+batch\\s+provider\\s+p50\\s+p90\\s+p99"
                + "\\s+samples/s\\s+GMAC/s\\s+accuracy\\s+note");
        assertThat(withAccuracy).containsPattern("int8\\.onnx\\s+1\\s+1\\s+cpu.*top1 78\\.00%");
    }

    @Test
    void json_addsTheSweepSection_reportsStayCompatible() throws Exception {
        String json = BenchJson.toJson(sweep(accuracy()));

        Map<?, ?> root = (Map<?, ?>) JsonIn.parse(json);
        assertThat(new java.util.ArrayList<Object>(root.keySet())).containsExactly("schema", "reports", "sweep");
        assertThat(root.get("schema")).isEqualTo(BenchJson.SCHEMA);
        assertThat((List<?>) root.get("reports")).hasSize(4);
        Map<?, ?> sweep = (Map<?, ?>) root.get("sweep");
        assertThat(new java.util.ArrayList<Object>(sweep.keySet())).containsExactly("scenario", "threads", "batches", "providers", "evalFiles",
                "points");
        assertThat(sweep.get("threads")).isEqualTo(List.of(1.0, 2.0));
        List<?> points = (List<?>) sweep.get("points");
        assertThat(points).hasSize(5);
        Map<?, ?> fast = (Map<?, ?>) points.get(2);
        assertThat(new java.util.ArrayList<Object>(fast.keySet())).containsExactly("model", "threads", "batch", "provider", "report", "skipped",
                "p50Ns", "p90Ns", "p99Ns", "samplesPerSecond", "gmacsPerSecond", "accuracy");
        assertThat(fast.get("report")).isEqualTo(2.0);
        assertThat(fast.get("p50Ns")).isEqualTo(6e6);
        assertThat(((Map<?, ?>) fast.get("accuracy")).get("value")).isEqualTo(0.8);
        Map<?, ?> skipped = (Map<?, ?>) points.get(4);
        assertThat(skipped.get("report")).isNull();
        assertThat(skipped.get("p50Ns")).isNull();
        assertThat((String) skipped.get("skipped")).contains("fixed batch of 1");
        // A plain run's document is unchanged: no sweep key.
        assertThat(BenchJson.toJson(List.of(SampleReports.singleStream()), Optional.empty())).doesNotContain("sweep");
    }

    @Test
    void html_oneCirclePerMeasuredPoint_axes_andTheAccuracyPlotWhenAttached() throws Exception {
        Document plain = parse(HtmlReport.renderSweep(sweep(EvalAccuracy.none())));
        assertThat(svgs(plain, "svg").getLength()).isEqualTo(1);
        assertThat(svgs(plain, "circle").getLength()).isEqualTo(4);
        String text = plain.getDocumentElement().getTextContent();
        assertThat(text).contains("samples/s (0 to", "p50 latency (ms)", "t2 b1", "skipped: input 'x'");

        Document withAccuracy = parse(HtmlReport.renderSweep(sweep(accuracy())));
        assertThat(svgs(withAccuracy, "svg").getLength()).isEqualTo(2);
        // 4 in the throughput plot, one per model in the accuracy plot.
        assertThat(svgs(withAccuracy, "circle").getLength()).isEqualTo(6);
        assertThat(withAccuracy.getDocumentElement().getTextContent())
                .contains("Accuracy against latency", "accuracy (%, top1)", "p50 latency (ms, 0 to");
        assertThat(svgs(withAccuracy, "line").getLength()).isEqualTo(4);

        SweepResult nothing = new SweepResult(Scenario.OFFLINE, List.of(1), List.of(2), List.of("cpu"),
                List.of(SweepResult.Point.skipped("a.onnx", 1, 2, "cpu", "fixed")), EvalAccuracy.none());
        assertThatThrownBy(() -> HtmlReport.renderSweep(nothing)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Document parse(String page) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
    }

    private static NodeList svgs(Document document, String name) {
        return document.getElementsByTagNameNS(SVG, name);
    }
}
