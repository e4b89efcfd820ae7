package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.testing.SharedFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost eval} in-process on the shared models and data (small subsets, to stay quick). */
class EvalCommandTest {

    @TempDir
    Path dir;

    /**
     * A copy of a model whose bytes differ (an unknown protobuf field 100 appended, which ONNX Runtime
     * skips), so that the catalog no longer recognizes it, like the output of an optimizer.
     */
    private Path unrecognizedCopy(Path model) throws IOException {
        Path copy = dir.resolve("optimized-" + model.getFileName());
        Files.copy(model, copy);
        Files.write(copy, new byte[] {(byte) 0xa0, 0x06, 0x01}, StandardOpenOption.APPEND);
        return copy;
    }

    @Test
    void three_models_on_cifar_print_a_table_and_write_json_and_an_html_plot() throws IOException {
        Path fp32 = SharedFixtures.model("mlperftiny_ic_resnet8_fp32.onnx");
        Path qdq = SharedFixtures.model("mlperftiny_ic_resnet8_qdq.onnx");
        Path copy = unrecognizedCopy(fp32);
        Path data = SharedFixtures.data("cifar10-test-subset");
        Path json = dir.resolve("eval.json");
        Path html = dir.resolve("eval.html");

        CliRun run = CliRun.run("eval", fp32.toString(), qdq.toString(), copy.toString(), "--data", data.toString(),
                "--limit", "200", "--json", json.toString(), "--html", html.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.getFirst()).contains("cifar10-test-subset", "labels.csv", "200 of 1000 samples", "task classify");
        assertThat(lines.get(1)).contains("model", "top-1", "top-5", "agree", "cos mean", "SQNR", "reference", "pipeline");
        assertThat(lines.get(2)).contains("mlperftiny_ic_resnet8_fp32.onnx", "catalog").doesNotContain("agree");
        assertThat(lines.get(3)).contains("mlperftiny_ic_resnet8_qdq.onnx", "mlperftiny_ic_resnet8_fp32.onnx", "catalog");
        assertThat(lines.get(4)).contains("optimized-mlperftiny_ic_resnet8_fp32.onnx", "100.0%", "inf dB",
                "catalog of mlperftiny_ic_resnet8_fp32.onnx");
        assertThat(run.err()).contains("decode [", "%");

        Object document = Json.parse(Files.readAllBytes(json), 0, (int) Files.size(json));
        assertThat(Json.text(document, "schema")).isEqualTo("outpost.eval/1");
        assertThat(Json.text(document, "data", "format")).isEqualTo("labels_csv");
        assertThat(Json.number(document, "data", "samples")).isEqualTo(200);
        assertThat(Json.list(document, "results")).hasSize(3);
        assertThat(Json.number(document, "results", 0, "metrics", "top1")).isCloseTo(0.75, within(0.05));
        assertThat(Json.at(document, "results", 0, "reference")).isNull();
        assertThat(Json.text(document, "results", 1, "reference")).isEqualTo(fp32.toString());
        assertThat(Json.number(document, "results", 1, "metrics", "agreement_top1")).isBetween(0.8, 1.0);
        assertThat(Json.at(document, "results", 2, "metrics", "sqnr_db")).as("identical outputs").isNull();
        assertThat(Json.number(document, "results", 2, "outputs", 0, "values_per_sample")).isEqualTo(10);

        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertThat(page).contains("<svg", "top-1 against latency and size", "optimized-mlperftiny_ic_resnet8_fp32.onnx");
        assertThat(page.split("<circle", -1)).hasSize(4);
    }

    @Test
    void one_classifier_on_mnist_reports_top1_and_json_can_go_to_standard_output() {
        Path model = SharedFixtures.model("mnist_cntk.onnx");

        CliRun run = CliRun.run("eval", model.toString(), "--data", SharedFixtures.data("mnist").toString(),
                "--limit", "500", "--json", "-");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Object document = Json.parse(run.out().getBytes(StandardCharsets.UTF_8), 0, run.out().length());
        assertThat(Json.text(document, "data", "format")).isEqualTo("mnist_idx");
        assertThat(Json.number(document, "results", 0, "metrics", "top1")).isGreaterThan(0.97);
        assertThat(Json.number(document, "results", 0, "latency_median_ms")).isPositive();
    }

    @Test
    void a_detector_on_the_coco_subset_reports_map() {
        Path model = SharedFixtures.model("yolox_nano.onnx");

        CliRun run = CliRun.run("eval", model.toString(), "--data",
                SharedFixtures.data("coco-val2017-subset").toString(), "--limit", "8");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("YOLO txt labels", "task detect", "mAP@.5", "mAP@.5:.95", "yolox_nano.onnx");
        assertThat(run.out()).containsPattern("yolox_nano\\.onnx\\s+[\\d.]+ MB\\s+[\\d.]+ ms\\s+0\\.\\d{3}\\s+0\\.\\d{3}");
    }

    @Test
    void unlabeled_images_compare_outputs_with_the_reference() throws IOException {
        Path fp32 = SharedFixtures.model("mlperftiny_ic_resnet8_fp32.onnx");
        Path qdq = SharedFixtures.model("mlperftiny_ic_resnet8_qdq.onnx");
        Path cifar = SharedFixtures.data("cifar10-test-subset");
        Path photos = Files.createDirectories(dir.resolve("photos"));
        for (String file : List.of("cat/0000.jpg", "dog/0000.jpg", "ship/0000.jpg")) {
            Files.copy(cifar.resolve(file), photos.resolve(file.replace('/', '-')));
        }

        CliRun run = CliRun.run("eval", qdq.toString(), "--reference", fp32.toString(), "--data", photos.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("unlabeled images, 3 of 3 samples", "task tensor", "agree", "cos mean", "max |err|");
        assertThat(run.out().lines().toList().get(2)).contains("mlperftiny_ic_resnet8_fp32.onnx", "100.0%", "inf dB");
        assertThat(run.out().lines().toList().get(3)).contains("mlperftiny_ic_resnet8_qdq.onnx").containsPattern("0\\.9\\d{4}");
    }

    @Test
    void an_optimized_copy_without_a_reference_is_told_how_to_borrow_a_pipeline() throws IOException {
        Path copy = unrecognizedCopy(SharedFixtures.model("mlperftiny_ic_resnet8_qdq.onnx"));

        CliRun run = CliRun.run("eval", copy.toString(), "--data",
                SharedFixtures.data("cifar10-test-subset").toString(), "--limit", "10");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("outpost eval: Model optimized-mlperftiny_ic_resnet8_qdq.onnx declares no image"
                + " pipeline", "--pipeline-from").doesNotContain("\tat ");
    }

    @Test
    void a_classifier_with_fewer_classes_than_the_data_fails_naming_both() {
        CliRun run = CliRun.run("eval", SharedFixtures.model("mnist_cntk.onnx").toString(), "--data",
                SharedFixtures.data("imagenet-samples").toString(), "--limit", "2");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("do not fit", "10 classes", "1000 classes").doesNotContain("\tat ");
    }

    @Test
    void user_mistakes_give_one_message_and_the_right_exit_status() throws IOException {
        Path model = SharedFixtures.model("mnist_cntk.onnx");
        Files.writeString(dir.resolve("notes.txt"), "x");

        CliRun missing = CliRun.run("eval", model.toString(), "--data", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("does not exist", "labels.csv").doesNotContain("\tat ");

        CliRun unknown = CliRun.run("eval", model.toString(), "--data", dir.toString());
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("no layout Outpost recognizes", "Found: notes.txt", "y_labels.csv");

        CliRun noModel = CliRun.run("eval", dir.resolve("absent.onnx").toString(), "--data", dir.toString());
        assertThat(noModel.exitCode()).isEqualTo(1);
        assertThat(noModel.err()).contains("absent.onnx does not exist");

        assertThat(CliRun.run("eval", model.toString(), "--data", dir.toString(), "--task", "segment").exitCode()).isEqualTo(2);
        assertThat(CliRun.run("eval", model.toString(), "--data", dir.toString(), "--limit", "0").exitCode()).isEqualTo(2);
        assertThat(CliRun.run("eval", model.toString()).exitCode()).as("--data is required").isEqualTo(2);
    }

    @Test
    void images_without_labels_and_without_a_reference_are_a_usage_error() throws IOException {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.copy(SharedFixtures.data("cifar10-test-subset").resolve("cat/0000.jpg"), photos.resolve("cat.jpg"));

        CliRun run = CliRun.run("eval", SharedFixtures.model("mlperftiny_ic_resnet8_fp32.onnx").toString(),
                "--data", photos.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Nothing to measure", "--reference");
    }

    @Test
    void help_lists_examples_layouts_and_exit_statuses() {
        CliRun run = CliRun.run("help", "eval");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--reference", "--pipeline-from", "--task", "--limit", "--json", "--html",
                "Examples:", "outpost.eval/1", "y_labels.csv", "Exit status: 0 success, 1 failure");
        assertThat(CliRun.run("--help").out()).contains("eval");
    }
}
