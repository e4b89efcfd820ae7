package dev.outpost.optimizer.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The table, JSON and HTML renderings of hand-made results. */
class EvalReportsTest {

    @TempDir
    Path dir;

    private EvalData data;

    @BeforeEach
    void openTinyData() throws IOException {
        ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("a.png").toFile());
        data = EvalData.open(dir, EvalData.ALL);
    }

    private static EvalResult result(String model, long bytes, double millis, Map<String, Double> metrics,
            List<OutputFidelity> outputs) {
        return new EvalResult(Path.of("models", model), bytes, Task.TENSOR, 1, metrics, outputs,
                Optional.of(Path.of("models/ref.onnx")), Duration.ofNanos((long) (millis * 1e6)), "catalog of reference ref.onnx");
    }

    private List<EvalResult> results() {
        OutputFidelity logits = new OutputFidelity("logits", "logits", 10, 0.99, 0.95, 31.25, 0.5, OptionalDouble.of(0.9));
        OutputFidelity grid = new OutputFidelity("grid", "grid", 400, 1.0, 1.0, Double.POSITIVE_INFINITY, 0.0,
                OptionalDouble.empty());
        return List.of(
                result("ref.onnx", 4_800_000, 3.2, Map.of(EvalResult.AGREEMENT_TOP1, 1.0, EvalResult.COSINE_MEAN, 1.0,
                        EvalResult.SQNR_DB, Double.POSITIVE_INFINITY), List.of()),
                result("int8 <fast>.onnx", 1_300_000, 1.5, Map.of(EvalResult.AGREEMENT_TOP1, 0.9,
                        EvalResult.COSINE_MEAN, 0.99, EvalResult.SQNR_DB, 31.25), List.of(logits, grid)));
    }

    @Test
    void the_table_has_a_row_per_model_with_formatted_metrics_and_per_output_lines() {
        String table = EvalTable.render(results(), data);

        assertThat(table.lines().toList().getFirst()).startsWith("data: ").contains("unlabeled images", "task tensor");
        assertThat(table).contains("model", "latency p50", "agree", "cos mean", "SQNR", "pipeline");
        assertThat(table).contains("ref.onnx", "4.8 MB", "3.20 ms", "100.0%", "inf dB");
        assertThat(table).contains("int8 <fast>.onnx", "1.3 MB", "1.50 ms", "90.0%", "0.99000", "31.3 dB");
        assertThat(table).contains("int8 <fast>.onnx per output:", "  logits: 10 values, agree 90.0%",
                "  grid: 400 values, cos mean 1.00000");
    }

    @Test
    void metric_formats() {
        assertThat(EvalTable.format(EvalResult.TOP1, 0.6805)).isEqualTo("68.1%");
        assertThat(EvalTable.format(EvalResult.MAP50, 0.50812)).isEqualTo("0.508");
        assertThat(EvalTable.format(EvalResult.SQNR_DB, Double.NEGATIVE_INFINITY)).isEqualTo("-inf dB");
        assertThat(EvalTable.format(EvalResult.MAX_ABS_ERROR, 0.000123456)).isEqualTo("0.000123");
        assertThat(EvalTable.format(EvalResult.COSINE_MIN, Double.NaN)).isEqualTo("n/a");
        assertThat(EvalTable.size(900)).isEqualTo("900 B");
        assertThat(EvalTable.size(312_400)).isEqualTo("312 kB");
    }

    @Test
    void json_carries_the_schema_data_and_every_result_with_null_for_infinite_values() {
        String json = EvalJson.render(results(), data);

        assertThat(json).startsWith("{\n  \"schema\": \"outpost.eval/1\",");
        assertThat(json).contains("\"format\": \"images\"", "\"task\": \"tensor\"", "\"samples\": 1", "\"classes\": 0");
        assertThat(json).contains("\"model\": \"models/int8 <fast>.onnx\"", "\"size_bytes\": 1300000",
                "\"latency_median_ms\": 1.5", "\"reference\": \"models/ref.onnx\"");
        assertThat(json).contains("\"metrics\": {\"agreement_top1\": 0.9, \"cosine_mean\": 0.99, \"sqnr_db\": 31.25}");
        assertThat(json).contains("\"sqnr_db\": null");
        assertThat(json).contains("{\"name\": \"logits\", \"reference_name\": \"logits\", \"values_per_sample\": 10,"
                + " \"agreement_top1\": 0.9, \"cosine_mean\": 0.99");
        assertThat(json).doesNotContain("Infinity", "NaN");
        assertThat(EvalJson.string("a\"b\\c\n\u0001")).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\"");
    }

    @Test
    void html_is_well_formed_self_contained_and_plots_every_model() throws Exception {
        String html = EvalHtml.render(results(), data);

        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(html.replace("<!DOCTYPE html>", "").getBytes(StandardCharsets.UTF_8)));
        assertThat(document.getElementsByTagName("svg").getLength()).isEqualTo(1);
        assertThat(document.getElementsByTagName("circle").getLength()).isEqualTo(2);
        assertThat(html).contains("agree against latency and size", "int8 &lt;fast&gt;.onnx", "Fidelity per output");
        assertThat(html).doesNotContain("https://", "<script", "<link");
    }

    @Test
    void html_of_one_model_has_no_plot() {
        String html = EvalHtml.render(results().subList(0, 1), data);

        assertThat(html).contains("<table class=\"results\">").doesNotContain("<svg");
    }

    @Test
    void metrics_are_kept_in_report_order_and_the_primary_metric_follows_the_task() {
        EvalResult classify = new EvalResult(Path.of("m.onnx"), 1, Task.CLASSIFY, 1, Map.of(EvalResult.AGREEMENT_TOP1,
                0.7, EvalResult.TOP1, 0.5), List.of(), Optional.empty(), Duration.ZERO, "catalog");
        EvalResult tensor = new EvalResult(Path.of("m.onnx"), 1, Task.TENSOR, 1, Map.of(EvalResult.COSINE_MEAN, 0.9),
                List.of(), Optional.empty(), Duration.ZERO, "catalog");

        assertThat(classify.primaryMetric()).hasValue(EvalResult.TOP1);
        assertThat(classify.metrics().keySet()).containsExactly(EvalResult.TOP1, EvalResult.AGREEMENT_TOP1);
        assertThat(tensor.primaryMetric()).hasValue(EvalResult.COSINE_MEAN);
        assertThat(tensor.top1()).isEmpty();
    }
}
