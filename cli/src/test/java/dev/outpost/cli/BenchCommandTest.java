package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testing.SharedFixtures;
import dev.outpost.testing.TinyModels;
import dev.outpost.testing.TinyModels.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    @TempDir
    Path dir;

    private Path tinyModel() throws Exception {
        Path model = dir.resolve("tiny_cnn.onnx");
        Files.write(model, TinyModels.smallCnn(1, Batch.dynamic()).toBytes());
        return model;
    }

    @Test
    void mnist_singleStream_printsTheTableAndWritesJson() throws Exception {
        Path model = SharedFixtures.model("mnist_cnn_pytorch.onnx");
        Path json = dir.resolve("bench.json");

        CliRun run = CliRun.run("bench", model.toString(), "--duration", "200ms", "--min-queries", "20",
                "--threads", "1", "--no-cold-start", "--peak-gmacs", "50", "--json", json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("mnist_cnn_pytorch.onnx", "SingleStream", "latency p90", "CPUs allowed");
        // MACs come from the model's inspection: GMAC/s is a number, not "n/a".
        assertThat(run.out()).containsPattern("GMAC/s\\s+\\d+\\.\\d\\d");
        assertThat(run.out()).containsPattern("of peak\\s+[\\d.]+% of 1 x 50\\.0 \\(FP32, given\\)");
        assertThat(run.err()).contains("SingleStream [");
        String text = Files.readString(json);
        assertThat(text).contains("\"schema\": \"outpost.bench/1\"", "\"scenario\": \"SingleStream\"",
                "\"cold\": null", "\"commandLine\": \"outpost bench " + model);
        Matcher macs = Pattern.compile("\"macsPerSample\": (\\d+)").matcher(text);
        assertThat(macs.find()).isTrue();
        assertThat(Long.parseLong(macs.group(1))).isPositive();
    }

    @Test
    void brokenBudget_exitsThreeAndListsIt() throws Exception {
        CliRun run = CliRun.run("bench", tinyModel().toString(), "--duration", "50ms", "--min-queries", "10",
                "--no-cold-start", "--peak-gmacs", "10", "--sla", "p90<1ns,size<1GB,top1>=0.5");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        assertThat(run.out()).contains("SLA tiny_cnn.onnx: 2 of 3 budgets broken", "  broken: p90<1ns: measured",
                "  broken: top1>=0.5: top1 was not measured in this run");
        assertThat(run.out()).doesNotContain("broken: size<1GB");
    }

    @Test
    void twoModels_offlineBatch_oneColumnEach() throws Exception {
        Path tiny = tinyModel();
        Path other = dir.resolve("other.onnx");
        Files.copy(tiny, other);

        CliRun run = CliRun.run("bench", tiny.toString(), other.toString(), "--scenario", "offline", "--batch", "4",
                "--duration", "50ms", "--min-queries", "10", "--no-cold-start", "--peak-gmacs", "10", "--repeat", "2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("\\s+tiny_cnn\\.onnx\\s+other\\.onnx");
        assertThat(run.out()).containsPattern("scenario\\s+Offline \\(batch 4\\)\\s+Offline \\(batch 4\\)");
        assertThat(run.out()).containsPattern("spread \\(CV\\)\\s+[\\d.]+% over 2 runs");
    }

    @Test
    void pin_reRunsUnderTaskset_andTheReportShowsTheAffinity() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")), "no taskset");

        CliRun run = CliRun.run("bench", tinyModel().toString(), "--pin", "0", "--threads", "1", "--duration", "50ms",
                "--min-queries", "10", "--no-cold-start", "--peak-gmacs", "10");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("CPUs allowed 0,", "1 thread(s)");
    }

    @Test
    void int8Model_isHeldAgainstTheInt8Peak() throws Exception {
        Path model = SharedFixtures.model("mlperftiny_ic_resnet8_qdq.onnx");
        Path json = dir.resolve("int8.json");

        CliRun run = CliRun.run("bench", model.toString(), "--duration", "200ms", "--min-queries", "20",
                "--threads", "1", "--no-cold-start", "--peak-gmacs", "50", "--peak-int8-gmacs", "200",
                "--json", json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        // All its Convs read dequantized int8; the 640-MAC classifier Gemm reads floats.
        assertThat(run.out()).containsPattern("of peak\\s+[\\d.]+% of 1 x 200\\.0 \\(99% INT8 MACs, given\\)");
        String text = Files.readString(json);
        assertThat(text).contains("\"peakInt8GmacsPerCore\": 200,");
        Matcher integer = Pattern.compile("\"integerMacsPerSample\": (\\d+)").matcher(text);
        assertThat(integer.find()).isTrue();
        assertThat(Long.parseLong(integer.group(1))).isGreaterThan(12_000_000L);

        CliRun alone = CliRun.run("bench", model.toString(), "--peak-int8-gmacs", "200");
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.err()).contains("--peak-int8-gmacs needs --peak-gmacs too");
    }

    @Test
    void images_throughThePipeline_withPreprocessingIncluded() throws Exception {
        Path model = SharedFixtures.model("squeezenet1.0-fp32.onnx");
        Path images = SharedFixtures.data("imagenet-samples").resolve("images");
        Path json = dir.resolve("images.json");

        CliRun run = CliRun.run("bench", model.toString(), "--inputs", images.toString(), "--include-preprocessing",
                "--duration", "200ms", "--min-queries", "10", "--threads", "1", "--no-cold-start", "--peak-gmacs", "50",
                "--json", json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(json)).contains("image(s) from " + images + " through the model's pipeline,"
                + " decoded and preprocessed in every query (included in the latency)");

        CliRun random = CliRun.run("bench", model.toString(), "--include-preprocessing");
        assertThat(random.exitCode()).isEqualTo(2);
        assertThat(random.err()).contains("--include-preprocessing needs --inputs DIR with images");
    }

    @Test
    void badBudget_isAUsageErrorNamingIt() throws Exception {
        CliRun run = CliRun.run("bench", tinyModel().toString(), "--sla", "p90<20ms,rss<2xs");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("SLA budget 2 of 2 ('rss<2xs'): unit 'xs' is not valid for rss;"
                + " expected B, KB, MB, GB, KiB, MiB, GiB");
    }

    @Test
    void badScenarioDurationOrPin_areUsageErrors() throws Exception {
        String model = tinyModel().toString();

        assertThat(CliRun.run("bench", model, "--scenario", "fast").err())
                .contains("Unknown scenario 'fast'; expected one of [SingleStream, MultiStream, Server, Offline]");
        assertThat(CliRun.run("bench", model, "--duration", "ten").err())
                .contains("--duration is 'ten'; expected a number with a unit ms, s or m");
        assertThat(CliRun.run("bench", model, "--target-qps", "50").err())
                .contains("--target-qps applies to the server scenario; the scenario is SingleStream");
        assertThat(CliRun.run("bench", model, "--batch", "4").err())
                .contains("batch is 4; expected 1 for SingleStream");
        CliRun pin = CliRun.run("bench", model, "--pin", "zero");
        assertThat(pin.exitCode()).isEqualTo(2);
        assertThat(pin.err()).contains("--pin is 'zero'; expected a CPU list such as 0, 0-1 or 0,2");
        CliRun providers = CliRun.run("bench", model, "--providers", "cpu,cuda");
        assertThat(providers.exitCode()).isEqualTo(2);
        assertThat(providers.err()).contains("--providers: cpu must come last").contains("got cpu,cuda");
        assertThat(CliRun.run("bench", model, "--providers", "gpu").err())
                .contains("--providers: Unknown execution provider 'gpu'");
    }

    @Test
    void missingModel_failsWithOneMessage() {
        CliRun run = CliRun.run("bench", dir.resolve("absent.onnx").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("absent.onnx does not exist; give the path of an .onnx file");
    }

    @Test
    void durationParsing() {
        assertThat(BenchCommand.duration("--duration", "1.5s")).isEqualTo(java.time.Duration.ofMillis(1500));
        assertThat(BenchCommand.duration("--duration", "2m")).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(BenchCommand.duration("--duration", "250ms")).isEqualTo(java.time.Duration.ofMillis(250));
    }

    @Test
    void compare_sameModelUnderTwoThreadCounts_printsRatiosAndWritesHtmlAndJson() throws Exception {
        Path page = dir.resolve("compare.html");
        Path report = dir.resolve("compare.json");

        CliRun run = CliRun.run("bench", tinyModel().toString(), "--compare", "--threads", "1,2", "--blocks", "3",
                "--duration", "150ms", "--min-queries", "30", "--html", page.toString(), "--json", report.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Comparison, SingleStream, 3 interleaved blocks per contender",
                "tiny_cnn.onnx threads=1", "(baseline)", "paired t-interval on log ratios");
        assertThat(run.out()).containsPattern("tiny_cnn\\.onnx threads=2\\s+p50 latency\\s+x[\\d.]+\\s+\\[[\\d.]+, [\\d.]+\\]");
        String html = Files.readString(page);
        assertThat(html).contains("<svg", "class=\"scatter\"", "class=\"percentiles\"", "tiny_cnn.onnx threads=2");
        Object document = Json.parse(Files.readAllBytes(report), 0, (int) Files.size(report));
        assertThat(Json.text(document, "schema")).isEqualTo("outpost.bench/1");
        assertThat(Json.list(document, "reports")).isEmpty();
        assertThat(Json.text(document, "comparison", "scenario")).isEqualTo("SingleStream");
        assertThat(Json.list(document, "comparison", "contenders")).hasSize(2);
        assertThat(Json.text(document, "comparison", "contenders", 1, "label")).isEqualTo("tiny_cnn.onnx threads=2");
        assertThat(Json.list(document, "comparison", "contenders", 0, "blocks")).hasSize(3);
        assertThat(Json.number(document, "comparison", "contenders", 0, "blocks", 2, "latency", "p50Ns")).isPositive();
        assertThat(Json.text(document, "comparison", "ratios", 0, "metric")).isEqualTo("p50 latency");
        assertThat(Json.number(document, "comparison", "ratios", 0, "low"))
                .isLessThanOrEqualTo(Json.number(document, "comparison", "ratios", 0, "high"));
        assertThat(Json.text(document, "environment", "commandLine")).contains("--compare");
    }

    @Test
    void html_forOneModel_hasTheEnvironmentAndTheCurve() throws Exception {
        Path page = dir.resolve("one.html");

        CliRun run = CliRun.run("bench", tinyModel().toString(), "--duration", "50ms", "--min-queries", "10",
                "--no-cold-start", "--peak-gmacs", "10", "--html", page.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readString(page)).contains("<h2>Environment</h2>", "class=\"percentiles\"", "tiny_cnn.onnx")
                .doesNotContain("class=\"scatter\"");
    }

    @Test
    void compare_usageErrors() throws Exception {
        String model = tinyModel().toString();

        CliRun one = CliRun.run("bench", model, "--compare");
        assertThat(one.exitCode()).isEqualTo(2);
        assertThat(one.err()).contains("--compare needs at least 2 models or configurations; got 1");
        assertThat(CliRun.run("bench", model, model, "--compare", "--sla", "p90<20ms").err())
                .contains("--sla is not supported with --compare: a comparison reports ratios");
        assertThat(CliRun.run("bench", model, "--threads", "1,2").err())
                .contains("--threads has 2 values [1, 2]; expected one (several only with --compare or --sweep)");
        assertThat(CliRun.run("bench", model, model, "--compare", "--blocks", "1").err()).contains("blocks is 1");
    }
}
