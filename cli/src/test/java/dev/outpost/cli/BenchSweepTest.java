package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.outpost.runtime.ExecutionProvider;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.testing.TinyModels;
import dev.outpost.testing.TinyModels.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSweepTest {

    @TempDir
    Path dir;

    private Path mlp(String name, Batch batch) throws Exception {
        Path model = dir.resolve(name);
        Files.write(model, TinyModels.mlp(1, batch).toBytes());
        return model;
    }

    private Path evalJson() throws Exception {
        Path file = dir.resolve("eval.json");
        Files.writeString(file, """
                {
                  "schema": "outpost.eval/1",
                  "data": {"path": "d", "format": "labels_csv", "task": "classify", "samples": 20, "available": 20, "classes": 10},
                  "results": [
                    {"model": "../elsewhere/dynamic.onnx", "size_bytes": 100, "task": "classify", "samples": 20, "latency_median_ms": 0.1, "pipeline": "catalog", "reference": null,
                      "metrics": {"top1": 0.9, "top5": 1.0},
                      "outputs": []},
                    {"model": "fixed.onnx", "size_bytes": 100, "task": "classify", "samples": 20, "latency_median_ms": 0.1, "pipeline": "catalog", "reference": null,
                      "metrics": {"top1": 0.85},
                      "outputs": []}
                  ]
                }
                """);
        return file;
    }

    @Test
    void offlineSweep_tableJsonAndHtml_fixedBatchSkippedWithReason() throws Exception {
        Path dynamic = mlp("dynamic.onnx", Batch.dynamic());
        Path fixed = mlp("fixed.onnx", Batch.fixed(1));
        Path json = dir.resolve("sweep.json");
        Path html = dir.resolve("sweep.html");

        CliRun run = CliRun.run("bench", dynamic.toString(), fixed.toString(), "--sweep", "--scenario", "offline",
                "--threads", "1,2", "--batch", "1,2", "--duration", "200ms", "--min-queries", "5", "--no-cold-start",
                "--peak-gmacs", "10", "--eval-json", evalJson().toString(), "--json", json.toString(),
                "--html", html.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        String out = run.out();
        assertThat(out).startsWith("Sweep: Offline, 8 point(s)");
        assertThat(out).containsPattern("model\\s+threads\\s+batch\\s+provider\\s+p50\\s+p90\\s+p99\\s+samples/s"
                + "\\s+GMAC/s\\s+accuracy\\s+note");
        List<String> rows = out.lines().filter(line -> line.startsWith("dynamic.onnx") || line.startsWith("fixed.onnx"))
                .toList();
        assertThat(rows).hasSize(8);
        for (String setting : new String[] {"1\\s+1", "1\\s+2", "2\\s+1", "2\\s+2"}) {
            assertThat(out).containsPattern("dynamic\\.onnx\\s+" + setting + "\\s+cpu\\s+[\\d.]+ [mun]?s\\s+.*"
                    + "[\\d.]+\\s+[\\d.]+\\s+top1 90\\.00%");
        }
        assertThat(out).containsPattern("fixed\\.onnx\\s+2\\s+1\\s+cpu\\s+[\\d.]+ [mun]?s.*top1 85\\.00%");
        assertThat(out).containsPattern("fixed\\.onnx\\s+1\\s+2\\s+cpu(\\s+-){5}\\s+top1 85\\.00%\\s+skipped: input"
                + " '.*' \\[1,.*\\] has a fixed batch of 1; batch 2 needs a dynamic first dimension");
        assertThat(out).contains("2 of 8 point(s) skipped");

        String text = Files.readString(json);
        assertThat(text).contains("\"schema\": \"outpost.bench/1\"", "\"sweep\": {", "\"scenario\": \"Offline\"",
                "\"batches\": [", "\"providers\": [\n      \"cpu\"", "\"evalFiles\": [", "\"points\": [",
                "\"skipped\": null", "\"metric\": \"top1\"");
        Matcher reports = Pattern.compile("\"warmUp\"").matcher(text);
        assertThat(reports.results().count()).isEqualTo(6);
        assertThat(Pattern.compile("\"report\": null").matcher(text).results().count()).isEqualTo(2);

        String page = Files.readString(html);
        assertThat(Pattern.compile("<circle ").matcher(page).results().count()).isEqualTo(6 + 2);
        assertThat(page).contains("samples/s (0 to", "p50 latency (ms)", "Accuracy against latency", "t2 b2");
    }

    @Test
    void coldStart_measuredOncePerModelAndThreads() throws Exception {
        Path json = dir.resolve("cold.json");

        CliRun run = CliRun.run("bench", mlp("dynamic.onnx", Batch.dynamic()).toString(), "--sweep", "--scenario",
                "offline", "--threads", "1", "--batch", "1,2", "--duration", "100ms", "--min-queries", "5",
                "--peak-gmacs", "10", "--json", json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        String text = Files.readString(json);
        assertThat(Pattern.compile("\"cold\": \\{").matcher(text).results().count()).isEqualTo(1);
        assertThat(Pattern.compile("\"cold\": null").matcher(text).results().count()).isEqualTo(1);
    }

    @Test
    void usageErrors_explainWhatToDo() throws Exception {
        Path dynamic = mlp("dynamic.onnx", Batch.dynamic());
        String model = dynamic.toString();

        CliRun both = CliRun.run("bench", model, "--sweep", "--compare");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("--sweep and --compare are different runs; choose one");

        CliRun singleStreamBatch = CliRun.run("bench", model, "--sweep", "--batch", "1,2");
        assertThat(singleStreamBatch.exitCode()).isEqualTo(2);
        assertThat(singleStreamBatch.err()).contains("sweep batches with --scenario offline");

        CliRun batchesWithoutSweep = CliRun.run("bench", model, "--scenario", "offline", "--batch", "1,2");
        assertThat(batchesWithoutSweep.exitCode()).isEqualTo(2);
        assertThat(batchesWithoutSweep.err()).contains("several only with --sweep");

        CliRun evalWithoutSweep = CliRun.run("bench", model, "--eval-json", "e.json");
        assertThat(evalWithoutSweep.exitCode()).isEqualTo(2);
        assertThat(evalWithoutSweep.err()).contains("--eval-json applies to --sweep");

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"schema\": \"outpost.eval/1\", \"results\": [");
        CliRun malformed = CliRun.run("bench", model, "--sweep", "--eval-json", broken.toString(), "--no-cold-start");
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err()).contains("broken.json: not valid JSON", "written by 'outpost eval --json'");

        CliRun provider = CliRun.run("bench", model, "--sweep", "--providers", "warp-drive", "--no-cold-start");
        assertThat(provider.exitCode()).isEqualTo(2);
        assertThat(provider.err()).contains("--providers: ");
    }

    @Test
    void anAcceleratorThisBuildLacks_isASkippedPointNotACpuRunUnderItsName() throws Exception {
        try (InferenceEngine engine = InferenceEngine.create()) {
            assumeFalse(engine.availableProviders().contains(ExecutionProvider.CUDA),
                    "this ONNX Runtime build has CUDA; the point would run");
        }
        Path model = mlp("mlp.onnx", Batch.dynamic());

        CliRun run = CliRun.run("bench", model.toString(), "--sweep", "--providers", "cuda,cpu", "--duration", "100ms",
                "--min-queries", "10", "--no-cold-start", "--peak-gmacs", "10");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("mlp\\.onnx\\s+default\\s+1\\s+cuda(\\s+-){5}\\s+skipped: cuda is not in this"
                + " ONNX Runtime build \\(available: [a-z, ]*cpu[a-z, ]*\\)");
        assertThat(run.out()).containsPattern("mlp\\.onnx\\s+default\\s+1\\s+cpu\\s+[\\d.]+ us");
        assertThat(run.out()).contains("1 of 2 point(s) skipped");
    }
}
