package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.ValueInfo;
import dev.outpost.runtime.Npy;
import dev.outpost.runtime.Tensor;
import dev.outpost.testing.SharedFixtures;
import dev.outpost.testing.TinyModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {

    @TempDir
    Path dir;

    @Test
    void version_namesOutpostAndOnnxRuntime() {
        CliRun run = CliRun.run("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("outpost ").contains("ONNX Runtime 1.");
    }

    @Test
    void everySubcommand_answersHelpWithItsUsage_andEveryDescriptionFormats() {
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream picocliWarnings = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(picocliWarnings, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            for (String name : OutpostCli.commandLine(Locations.fromEnvironment(Map.of()), Map.of()).getSubcommands()
                    .keySet()) {
                if (name.equals("help")) {
                    continue;
                }
                CliRun run = CliRun.run(name, "--help");
                assertThat(run.exitCode()).as(name + " --help: " + run.err()).isZero();
                assertThat(run.out()).as(name).contains("Usage: outpost " + name).contains("-h, --help");
            }
        } finally {
            System.setErr(original);
        }
        // picocli reports a description it cannot format (a bare % sign) on System.err and prints it raw.
        assertThat(picocliWarnings.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    @Test
    void unknownOption_isAUsageErrorWithUsageOnStderr() {
        CliRun run = CliRun.run("inspect", "--frobnicate", "x.onnx");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option: '--frobnicate'").contains("Usage: outpost inspect");
    }

    @Test
    void inspect_realModel_reportsMacsShapesAndValidity() {
        Path model = SharedFixtures.model("squeezenet1.0-fp32.onnx");
        CliRun run = CliRun.run("inspect", model.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .contains("MACs             0.349 G")
                .contains("data_0").contains("[1,3,224,224]")
                .contains("Quantization     FP32")
                .contains("Validation: no problems");
    }

    @Test
    void inspect_json_isOneObjectWithValidation() {
        Path model = SharedFixtures.model("mobilenetv2-12-int8.onnx");
        CliRun run = CliRun.run("inspect", model.toString(), "--json");
        assertThat(run.exitCode()).isZero();
        String json = run.out().strip();
        assertThat(json).startsWith("{").endsWith("]}").contains("\"validation\":[]").contains("QOPERATOR_INT8");
    }

    @Test
    void inspect_nodes_listsComputeNodesLargestFirst() throws IOException {
        Path model = dir.resolve("cnn.onnx");
        TinyModels.smallCnn(3, TinyModels.Batch.fixed(1)).write(model);
        CliRun run = CliRun.run("inspect", model.toString(), "--nodes");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("share").containsPattern("Conv\\s+[\\d,]+\\s+[\\d.]+%");
    }

    @Test
    void inspect_fileThatIsNotOnnx_failsWithOneClearMessage() throws IOException {
        Path notOnnx = dir.resolve("notes.onnx");
        Files.writeString(notOnnx, "these are my notes, not a model\n");
        CliRun run = CliRun.run("inspect", notOnnx.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("outpost inspect: NOT_ONNX").doesNotContain("\tat ");
    }

    @Test
    void inspect_missingFile_saysWhatToGive() {
        CliRun run = CliRun.run("inspect", dir.resolve("absent.onnx").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("absent.onnx does not exist; give the path of an .onnx file");
    }

    @Test
    void inspect_modelWithADanglingInput_exitsOneAndNamesTheNode() {
        OnnxModel broken = OnnxModel.create("broken", 17);
        Graph graph = broken.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, 4));
        graph.add(Op.ADD, List.of("x", "ghost"), List.of("y"), Map.of());
        graph.addOutput(ValueInfo.of("y", ElementType.FLOAT, 1, 4));
        Path model = dir.resolve("broken.onnx");
        broken.write(model);
        CliRun run = CliRun.run("inspect", model.toString(), "--no-ort");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out() + run.err()).contains("DANGLING_INPUT").contains("ghost");
    }

    @Test
    void predict_withoutInput_isAUsageError() {
        CliRun run = CliRun.run("predict", "model.onnx");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required option: '--input");
    }

    @Test
    void predict_npyTensor_printsTheOutputValues() throws IOException {
        Path model = dir.resolve("relu.onnx");
        TinyModels.relu().write(model);
        Path input = dir.resolve("x.npy");
        try (Tensor x = Tensor.of(new float[] {-1f, 2f, -3f, 4f}, 1, 4)) {
            Npy.write(x, input);
        }
        CliRun run = CliRun.run("predict", model.toString(), "-i", input.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"tensors\":{\"output\":[0.0,2.0,0.0,4.0]}");
    }

    @Test
    void predict_imageForAModelWithoutPipeline_explainsHowToDeclareOne() throws IOException {
        Path model = dir.resolve("relu.onnx");
        TinyModels.relu().write(model);
        Path image = dir.resolve("photo.png");
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        CliRun run = CliRun.run("predict", model.toString(), "-i", image.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("has no image pipeline").contains("relu.pipeline.properties")
                .contains("--pipeline FILE");
    }

    @Test
    void predict_imageWhosePathHoldsAnEqualsSign_isAnImageNotANamedTensor() throws IOException {
        DemoModel.Files demo = DemoModel.writeTo(dir, "test");
        Path image = Files.copy(demo.images().getFirst(), dir.resolve("shade=crimson.png"));
        CliRun run = CliRun.run("predict", demo.model().toString(), "-i", image.toString(), "--top", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("shade=crimson.png  96x64").contains("red (0)");
    }

    @Test
    void predict_wrongTensorShape_namesExpectedAndReceived() throws IOException {
        Path model = dir.resolve("relu.onnx");
        TinyModels.relu().write(model);
        Path input = dir.resolve("x.npy");
        try (Tensor x = Tensor.of(new float[] {1f, 2f, 3f}, 1, 3)) {
            Npy.write(x, input);
        }
        CliRun run = CliRun.run("predict", model.toString(), "-i", input.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("WRONG_SHAPE").contains("[1,3]").contains("[1,4]");
    }

    @Test
    void demo_withoutModelsFolder_runsTheModelOutpostBuildsItself() {
        CliRun run = CliRun.run("demo");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("using a colour classifier that Outpost builds itself")
                .contains("[inspect]").contains("valid")
                .contains("top-1: 6 of 6 right");
        String serve = run.out().substring(run.out().indexOf("== serve: outpost-colors on an in-process InferenceServer"));
        assertThat(serve)
                .containsPattern("\\[serve\\]   ready in [\\d.]+ ms: http://127.0.0.1:\\d+ .* and grpc://127.0.0.1:\\d+ ")
                .containsPattern("loaded outpost-colors in \\d+ ms \\(classification\\)")
                .contains("POST /v2/models/outpost-colors/classify")
                .containsPattern("crimson.png +red [\\d.]+ +rtt [\\d.]+ ms  server pre [\\d.]+ infer [\\d.]+ post")
                .containsPattern("sky.png +blue [\\d.]+ +rtt ")
                .containsPattern("REST /infer \\(binary tensor\\) +red [\\d.]+ +rtt [\\d.]+ ms")
                .containsPattern("gRPC ModelInfer \\(raw tensor\\) +red [\\d.]+ +rtt [\\d.]+ ms")
                .contains("same top class over the 3 protocols: red")
                .containsPattern("/metrics +outpost_requests_total\\{model=\"outpost-colors\"")
                .contains("[serve]   closed gracefully in ");
    }

    @Test
    void demo_noServe_skipsTheServingStage() {
        CliRun run = CliRun.run("demo", "--no-serve");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("top-1: 6 of 6 right").doesNotContain("[serve]").doesNotContain("== serve");
    }

    @Test
    void demo_onTheSharedModels_classifiesAndDetectsWithTimings() {
        Path models = SharedFixtures.model("squeezenet1.0-fp32.onnx").getParent();
        Path data = SharedFixtures.data("imagenet-samples").getParent();
        CliRun run = CliRun.run(new Locations(models, data), "demo");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("== squeezenet1.0-fp32.onnx").contains("349.2 M MACs")
                .contains("n01440764_tench.JPEG").contains("tench 0.56")
                .contains("top-1: 4 of 6 right")
                .containsPattern("\\[optimize\\] static int8, 32 calibration images: 4.7 MiB -> 1.3 MiB \\(0.27x\\);"
                        + " 34 integer kernels")
                .contains("fp32  top-1  69.0%  top-5  89.5%")
                .contains("int8  top-1  68.0%  top-5  88.5%")
                .containsPattern("\\[bench\\] +single-stream, one thread, 6 interleaved blocks of 0.5 s: p50 fp32 [\\d.]+ ms,"
                        + " int8 [\\d.]+ ms")
                .contains("== yolox_nano.onnx").contains("tv, 2 person")
                .containsPattern("median of 6: decode [\\d.]+ ms, preprocess [\\d.]+ ms, inference [\\d.]+ ms");
        String serve = run.out().substring(run.out().indexOf("== serve: squeezenet1.0-fp32, yolox_nano"));
        assertThat(serve)
                .containsPattern("loaded squeezenet1.0-fp32 in \\d+ ms \\(classification\\), yolox_nano in \\d+ ms"
                        + " \\(detection\\)")
                .containsPattern("n01440764_tench.JPEG +tench 0.56 +rtt [\\d.]+ ms  server pre [\\d.]+ infer [\\d.]+")
                .containsPattern("n01558993_robin.JPEG +robin 1.00 +rtt ")
                .containsPattern("000000000139.jpg +tv, 2 person, clock, 2 chair.* rtt [\\d.]+ ms  server pre ")
                .containsPattern("000000000285.jpg +bear +rtt ")
                .containsPattern("median of 6: round trip [\\d.]+ ms; server preprocess [\\d.]+ ms, inference [\\d.]+ ms")
                .containsPattern("median of 3: round trip [\\d.]+ ms")
                .containsPattern("REST /classify \\(image\\) +tench 0.56 +rtt ")
                .containsPattern("REST /infer \\(binary tensor\\) +tench 0.56 +rtt ")
                .containsPattern("gRPC ModelInfer \\(raw tensor\\) +tench 0.56 +rtt ")
                .contains("same top class over the 3 protocols: tench")
                .contains("outpost_requests_total{model=\"yolox_nano\"")
                .contains("[serve]   closed gracefully in ");
    }

    @Test
    void predict_sharedModel_usesTheCatalogPipelineWithoutFlags() {
        Path model = SharedFixtures.model("mobilenetv2-12-int8.onnx");
        Path image = SharedFixtures.data("imagenet-samples/images/n01440764_tench.JPEG");
        CliRun run = CliRun.run("predict", model.toString(), "-i", image.toString(), "--top", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("pipeline from Outpost's catalog").contains("tench (0)")
                .containsPattern("(?s)tench \\(0\\)\\n\\s+[\\d.]+\\s+\\S");
    }

    @Test
    void predict_labelsFileAndTop_replaceTheDeclaredOnes(@TempDir Path labelsDir) throws IOException {
        Path model = SharedFixtures.model("mnist_cnn_pytorch.onnx");
        Path labels = labelsDir.resolve("words.txt");
        Files.writeString(labels, "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n");
        Path image = dir.resolve("digit.png");
        BufferedImage digit = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 4; y < 24; y++) {
            digit.getRaster().setSample(14, y, 0, 255);
            digit.getRaster().setSample(15, y, 0, 255);
        }
        ImageIO.write(digit, "png", image.toFile());
        CliRun run = CliRun.run("predict", model.toString(), "-i", image.toString(), "--labels", labels.toString(),
                "--top", "1", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"label\":\"one\"").doesNotContain("\"label\":\"1\"");
    }

    @Test
    void predict_folderWithOneDamagedImage_predictsTheOthersAndExitsOne() throws IOException {
        Path model = SharedFixtures.model("squeezenet1.0-fp32.onnx");
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.copy(SharedFixtures.data("imagenet-samples/images/n01440764_tench.JPEG"), images.resolve("a.jpg"));
        byte[] jpeg = Files.readAllBytes(images.resolve("a.jpg"));
        Files.write(images.resolve("b.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 3));
        Files.copy(SharedFixtures.data("imagenet-samples/images/n01558993_robin.JPEG"), images.resolve("c.jpg"));
        CliRun run = CliRun.run("predict", model.toString(), "-i", images.toString(), "--top", "1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).contains("tench (0)").contains("robin (15)")
                .containsPattern("b\\.jpg  FAILED: PIPELINE: .*b\\.jpg is a damaged or truncated JPEG");
        assertThat(run.err()).contains("1 of 3 input(s) failed");
    }

    @Test
    void predict_unavailableProvider_fallsBackToCpuAndSaysWhy() {
        Path model = SharedFixtures.model("mnist_cntk.onnx");
        Path image = SharedFixtures.data("imagenet-samples/images/n01440764_tench.JPEG");
        CliRun run = CliRun.run("predict", model.toString(), "-i", image.toString(), "--providers", "cuda,cpu");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("execution providers: requested [CUDA], using [CPU]; CUDA skipped:");
        CliRun strict = CliRun.run("predict", model.toString(), "-i", image.toString(), "--providers", "cuda",
                "--require-providers");
        assertThat(strict.exitCode()).isEqualTo(1);
        assertThat(strict.err()).contains("PROVIDER_UNAVAILABLE").contains("CUDA");
        CliRun cpuFirst = CliRun.run("predict", model.toString(), "-i", image.toString(), "--providers", "cpu,cuda");
        assertThat(cpuFirst.exitCode()).isEqualTo(1);
        assertThat(cpuFirst.err()).contains("--providers: cpu must come last").contains("got cpu,cuda");
        CliRun json = CliRun.run("predict", model.toString(), "-i", image.toString(), "--json");
        assertThat(json.out()).contains("\"providers\":[\"CPU\"]");
        CliRun unknown = CliRun.run("predict", model.toString(), "-i", image.toString(), "--providers", "gpu");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("Unknown execution provider 'gpu'; expected one of [CPU, CUDA");
    }

    @Test
    void predict_threadsOrProvidersTheRuntimeRefuses_isOneMessageNamingTheOption() throws IOException {
        Path model = dir.resolve("relu.onnx");
        TinyModels.relu().write(model);
        CliRun threads = CliRun.run("predict", model.toString(), "-i", "x.npy", "--threads", "-1");
        assertThat(threads.exitCode()).isEqualTo(1);
        assertThat(threads.err()).startsWith("outpost predict: --threads: intraOpThreads is -1; expected 0")
                .doesNotContain("internal error").doesNotContain("\tat ");
        CliRun twice = CliRun.run("predict", model.toString(), "-i", "x.npy", "--providers", "cuda,cuda");
        assertThat(twice.exitCode()).isEqualTo(1);
        assertThat(twice.err()).startsWith("outpost predict: --providers: ").contains("CUDA twice")
                .doesNotContain("internal error").doesNotContain("\tat ");
    }

    @Test
    void demo_halfGivenModelAndImages_isRefused() {
        CliRun run = CliRun.run("demo", "--model", "x.onnx");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--model and --images go together");
    }
}
