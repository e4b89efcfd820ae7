package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testing.TinyModels;
import dev.outpost.testing.TinyModels.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchDiffCommandTest {

    @TempDir
    Path dir;

    /** A real 'outpost bench --json' file of a tiny model with 2 runs. */
    private Path benchJson() throws Exception {
        Path model = dir.resolve("tiny_cnn.onnx");
        Files.write(model, TinyModels.smallCnn(1, Batch.dynamic()).toBytes());
        Path json = dir.resolve("old.json");
        CliRun run = CliRun.run("bench", model.toString(), "--duration", "50ms", "--min-queries", "20",
                "--no-cold-start", "--peak-gmacs", "10", "--repeat", "2", "--json", json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        return json;
    }

    /**
     * The file with every latency percentile times 100 and every throughput over 100. ln(100) = 4.6 is
     * above any tolerance two runs can give (a CV of 2 values is at most sqrt(2): 2 x sqrt(2 + 2) = 4).
     */
    private Path hundredTimesSlower(Path json) throws Exception {
        String text = Files.readString(json);
        text = Pattern.compile("\"(p50|p90|p95|p99|p999)Ns\": (\\d+)").matcher(text)
                .replaceAll(match -> "\"" + match.group(1) + "Ns\": " + Long.parseLong(match.group(2)) * 100);
        text = Pattern.compile("\"samplesPerSecond\": ([\\d.eE+-]+)").matcher(text).replaceAll(match ->
                "\"samplesPerSecond\": " + String.format(Locale.ROOT, "%.3f", Double.parseDouble(match.group(1)) / 100));
        Path slower = dir.resolve("new.json");
        Files.writeString(slower, text);
        return slower;
    }

    @Test
    void sameFile_noRegression_exitZero() throws Exception {
        Path json = benchJson();

        CliRun run = CliRun.run("bench-diff", json.toString(), json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("tiny_cnn.onnx", "p50 latency", "p90 latency", "throughput", "within noise",
                "No regression beyond the measured noise.");
    }

    @Test
    void hundredTimesSlower_exitsFourAndNamesTheRegressions() throws Exception {
        Path old = benchJson();

        CliRun run = CliRun.run("bench-diff", old.toString(), hundredTimesSlower(old).toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(4);
        assertThat(run.out()).contains("+9900.0%", "regressed", "3 regression(s) beyond the measured noise.");
    }

    @Test
    void notJsonOrWrongSchema_failsWithOneMessage() throws Exception {
        Path old = benchJson();
        Path text = dir.resolve("readme.txt");
        Files.writeString(text, "hello");
        Path wrong = dir.resolve("wrong.json");
        Files.writeString(wrong, "{\"schema\": \"other/2\"}");

        CliRun notJson = CliRun.run("bench-diff", old.toString(), text.toString());
        CliRun schema = CliRun.run("bench-diff", wrong.toString(), old.toString());

        assertThat(notJson.exitCode()).isEqualTo(1);
        assertThat(notJson.err()).contains("readme.txt: not valid JSON");
        assertThat(schema.exitCode()).isEqualTo(1);
        assertThat(schema.err()).contains("wrong.json: schema is 'other/2'; expected 'outpost.bench/1'");
    }

    @Test
    void help_explainsTheRuleAndTheExitCode() {
        CliRun run = CliRun.run("help", "bench-diff");

        assertThat(run.out().replaceAll("\\s+", " ")).contains("2 x sqrt(CV_old^2 + CV_new^2)",
                "4 a regression");
    }
}
