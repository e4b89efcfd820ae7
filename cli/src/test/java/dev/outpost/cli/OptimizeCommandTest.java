package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.OnnxModel;
import dev.outpost.testing.SharedFixtures;
import dev.outpost.testing.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost optimize} in-process on real and generated models. */
class OptimizeCommandTest {

    @TempDir
    Path dir;

    @Test
    void static_int8_of_resnet8_reports_types_fusion_and_trade_off_and_records_provenance() {
        Path fp32 = SharedFixtures.model("mlperftiny_ic_resnet8_fp32.onnx");
        Path data = SharedFixtures.data("cifar10-test-subset");
        Path out = dir.resolve("resnet8-int8.onnx");

        CliRun run = CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--int8", "static",
                "--calibration", data.toString(), "--samples", "40", "--target", "avx2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("[int8]   U8S8", "x86 without VNNI", "7-bit weights (reduce-range)",
                "opset 11 -> 13", "ONNX Runtime runs 14 integer kernels", "Trade-off", "size", "fidelity",
                "on 8 calibration samples", "latency");
        assertThat(run.err()).contains("calibrating ranges 40/40");
        OnnxModel written = OnnxModel.read(out);
        assertThat(written.metadata("outpost.passes").orElseThrow()).contains("int8-static(", "reduce_range=true",
                "target=x86_no_vnni");
        assertThat(written.metadata("outpost.calibration").orElseThrow()).startsWith("40 samples: 40 images from");
        assertThat(written.metadata("outpost.source_sha256")).isPresent();
        assertThat(dir.toFile().list()).containsExactly("resnet8-int8.onnx");
    }

    @Test
    void calibration_reads_an_mnist_idx_data_set() {
        Path fp32 = SharedFixtures.model("mnist_cnn_pytorch.onnx");
        Path out = dir.resolve("mnist-int8.onnx");

        CliRun run = CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--int8", "static",
                "--calibration", SharedFixtures.data("mnist").toString(), "--samples", "32");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("from 32 images of mnist (MNIST idx, 32 of 10000 samples", "opset 9 -> 13");
    }

    @Test
    void mixed_precision_meets_the_budget_on_the_evaluation_data() {
        Path fp32 = SharedFixtures.model("mlperftiny_ic_resnet8_fp32.onnx");
        Path data = SharedFixtures.data("cifar10-test-subset");
        Path out = dir.resolve("resnet8-mixed.onnx");

        CliRun run = CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--int8", "static",
                "--calibration", data.toString(), "--samples", "20", "--max-accuracy-drop", "0",
                "--eval-data", data.toString(), "--eval-limit", "200");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("mixed precision: fp32 ", "most sensitive: ");
        assertThat(run.err()).contains("mixed precision: all int8, top1 ", "mixed precision: 1 node float (most sensitive)",
                "mixed precision: 1 node float (first in graph order)");
    }

    @Test
    void dynamic_int8_of_an_mlp_fuses_into_dynamic_quantize_matmul() {
        Path fp32 = dir.resolve("mlp.onnx");
        TinyModels.mlp(3, TinyModels.Batch.fixed(4)).write(fp32);
        Path out = dir.resolve("mlp-int8.onnx");

        CliRun run = CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--int8", "dynamic");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("quantized {Gemm=2}", "run time (dynamic)", "ONNX Runtime runs 2 integer kernels");
    }

    @Test
    void fp16_then_ort_format_writes_an_ort_file() throws Exception {
        Path fp32 = SharedFixtures.model("mnist_cnn_pytorch.onnx");
        Path out = dir.resolve("mnist.ort");

        CliRun run = CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--fp16", "--graph-opt", "basic",
                "--format", "ort");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("[fp16]", "[graph]  basic");
        assertThat(Files.size(out)).isPositive();
    }

    @Test
    void mistakes_get_one_clear_message_and_write_nothing() {
        Path fp32 = SharedFixtures.model("mnist_cnn_pytorch.onnx");
        Path out = dir.resolve("x.onnx");

        assertThat(CliRun.run("optimize", fp32.toString(), "-o", out.toString()).err())
                .contains("Nothing to do: give at least one of --int8");
        assertThat(CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--int8", "static").err())
                .contains("--int8 static needs --calibration");
        assertThat(CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--int8", "dynamic", "--fp16")
                .err()).contains("--int8 and --fp16 do not combine");
        assertThat(CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--graph-opt", "basic", "--format",
                "tflite").err()).contains("--format must be onnx or ort");
        assertThat(CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--int8", "static", "--calibration",
                dir.resolve("none").toString()).err()).contains("no such file or folder");
        assertThat(CliRun.run("optimize", fp32.toString(), "-o", out.toString(), "--int8", "static", "--calibration",
                "random", "--method", "kmeans").err()).contains("Unknown calibration method 'kmeans'");
        CliRun missing = CliRun.run("optimize", dir.resolve("missing.onnx").toString(), "-o", out.toString(),
                "--fp16");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(Files.exists(out)).isFalse();
        assertThat(dir.toFile().list()).isEmpty();
    }
}
