package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalAccuracyTest {

    @TempDir
    Path dir;

    /** The shape outpost eval --json writes (EvalJson), abridged. */
    static String evalJson(String... modelAndTop1) {
        StringBuilder results = new StringBuilder();
        for (int i = 0; i < modelAndTop1.length; i += 2) {
            results.append(i == 0 ? "" : ",\n").append("    {\"model\": \"").append(modelAndTop1[i])
                    .append("\", \"size_bytes\": 100, \"task\": \"classify\", \"samples\": 20, \"latency_median_ms\": 1.5,")
                    .append(" \"pipeline\": \"catalog\", \"reference\": null,\n      \"metrics\": {\"top1\": ")
                    .append(modelAndTop1[i + 1]).append(", \"top5\": 0.99, \"sqnr_db\": null},\n      \"outputs\": []}");
        }
        return "{\n  \"schema\": \"outpost.eval/1\",\n  \"data\": {\"path\": \"d\", \"format\": \"labels_csv\", \"task\":"
                + " \"classify\", \"samples\": 20, \"available\": 20, \"classes\": 10},\n  \"results\": [\n" + results
                + "\n  ]\n}\n";
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void matchesModelsByFileName_takesTop1_firstEntryWins() throws Exception {
        Path one = write("a.json", evalJson("../models/fp32.onnx", "0.75", "int8.onnx", "0.5"));
        Path two = write("b.json", evalJson("/elsewhere/int8.onnx", "0.1"));

        EvalAccuracy accuracy = EvalAccuracy.read(List.of(one, two));

        assertThat(accuracy.attached()).isTrue();
        assertThat(accuracy.forModel("/tmp/fp32.onnx")).hasValueSatisfying(a -> {
            assertThat(a.metric()).isEqualTo("top1");
            assertThat(a.value()).isEqualTo(0.75);
            assertThat(a.source()).isEqualTo(one.toString());
        });
        assertThat(accuracy.forModel("int8.onnx").orElseThrow().value()).isEqualTo(0.5);
        assertThat(accuracy.forModel("other.onnx")).isEmpty();
    }

    @Test
    void detectionMap_isTheAccuracyWithoutTop1() throws Exception {
        Path file = write("det.json", "{\"schema\": \"outpost.eval/1\", \"results\": [{\"model\": \"yolo.onnx\","
                + " \"metrics\": {\"map50_95\": 0.3, \"map50\": 0.5}}, {\"model\": \"emb.onnx\", \"metrics\":"
                + " {\"cosine_mean\": 0.99}}]}");

        EvalAccuracy accuracy = EvalAccuracy.read(List.of(file));

        assertThat(accuracy.forModel("yolo.onnx").orElseThrow().metric()).isEqualTo("map50");
        assertThat(accuracy.forModel("emb.onnx")).isEmpty();
    }

    @Test
    void malformedFiles_clearErrorsNamingTheFile() throws Exception {
        Path broken = write("broken.json", "{\"schema\": \"outpost.eval/1\", \"results\": [");
        Path bench = write("bench.json", "{\"schema\": \"outpost.bench/1\", \"reports\": []}");
        Path noResults = write("nores.json", "{\"schema\": \"outpost.eval/1\"}");
        Path badModel = write("badmodel.json", "{\"schema\": \"outpost.eval/1\", \"results\": [{\"model\": 3}]}");

        assertThatThrownBy(() -> EvalAccuracy.read(List.of(broken))).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("broken.json: not valid JSON")
                .hasMessageContaining("expected a JSON file written by 'outpost eval --json'");
        assertThatThrownBy(() -> EvalAccuracy.read(List.of(bench)))
                .hasMessageContaining("bench.json: schema is 'outpost.bench/1'; expected 'outpost.eval/1'");
        assertThatThrownBy(() -> EvalAccuracy.read(List.of(noResults)))
                .hasMessageContaining("\"results\" is missing or not an array");
        assertThatThrownBy(() -> EvalAccuracy.read(List.of(badModel)))
                .hasMessageContaining("results[0] is not an object with a string \"model\"");
        assertThatThrownBy(() -> EvalAccuracy.read(List.of(dir.resolve("missing.json"))))
                .isInstanceOf(BenchmarkException.class).hasMessageContaining("missing.json does not exist");
    }
}
