package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.outpost.runtime.ClassificationSpec.Activation;
import dev.outpost.runtime.DetectionSpec.Format;
import dev.outpost.runtime.ImageInputSpec.Anchor;
import dev.outpost.runtime.ImageInputSpec.ChannelOrder;
import dev.outpost.runtime.ImageInputSpec.Layout;
import dev.outpost.runtime.ImageInputSpec.Letterbox;
import dev.outpost.runtime.ImageInputSpec.ShorterSideCrop;
import dev.outpost.runtime.ImageInputSpec.Stretch;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The declarations in test resources {@code pipelines/} for the models in shared/models. */
class SharedPipelineFilesTest {

    private static Path folder() throws URISyntaxException {
        return Path.of(SharedPipelineFilesTest.class.getResource("/pipelines").toURI());
    }

    static Stream<Path> sideFiles() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(folder())) {
            return files.filter(f -> f.getFileName().toString().endsWith(PipelineSpec.SIDE_FILE_SUFFIX)).sorted()
                    .toList().stream();
        }
    }

    private static PipelineSpec spec(String model) throws URISyntaxException {
        return PipelineSpec.fromSideFile(folder().resolve(model + PipelineSpec.SIDE_FILE_SUFFIX));
    }

    @ParameterizedTest
    @MethodSource("sideFiles")
    void each_side_file_parses_and_its_labels_load(Path sideFile) {
        PipelineSpec spec = PipelineSpec.fromSideFile(sideFile);

        switch (spec.output()) {
            case ClassificationSpec cls -> assertThat(ClassificationPostprocessor.create(cls)).isNotNull();
            case DetectionSpec det -> assertThat(Labels.load(det.labels().orElseThrow())).hasSize(80);
            case OutputSpec.Tensors tensors -> throw new AssertionError(sideFile + " declares no task");
        }
        assertThat(PipelineSpec.parse(spec.toProperties(), null)).isEqualTo(spec);
    }

    @Test
    void there_is_a_declaration_for_every_shared_model_with_a_known_task() throws Exception {
        assertThat(sideFiles().map(f -> f.getFileName().toString())).hasSize(13);
    }

    @Test
    void declarations_match_models_sources() throws URISyntaxException {
        ImageInputSpec squeezenet = spec("squeezenet1.0-fp32").image().orElseThrow();
        assertThat(squeezenet.resize()).isEqualTo(new ShorterSideCrop(256));
        assertThat(squeezenet.channels()).isEqualTo(ChannelOrder.BGR);
        assertThat(squeezenet.mean()).containsExactly(104f, 117f, 123f);
        assertThat(squeezenet.std()).containsExactly(1f);
        assertThat(Labels.load(((ClassificationSpec) spec("squeezenet1.0-fp32").output()).labels().orElseThrow()))
                .hasSize(1000).startsWith("tench", "goldfish", "great white shark");

        ImageInputSpec mobilenet = spec("mobilenetv2-12-int8").image().orElseThrow();
        assertThat(mobilenet.channels()).isEqualTo(ChannelOrder.RGB);
        assertThat(mobilenet.scale()).isEqualTo(1f / 255, org.assertj.core.data.Offset.offset(1e-9f));
        assertThat(mobilenet.mean()).containsExactly(0.485f, 0.456f, 0.406f);
        assertThat(mobilenet.std()).containsExactly(0.229f, 0.224f, 0.225f);

        ImageInputSpec perTensor = spec("mobilenet_v2_1.0_224_int8_per_tensor").image().orElseThrow();
        assertThat(perTensor.elementType()).contains(DType.UINT8);
        assertThat(perTensor.layout()).contains(Layout.NHWC);

        PipelineSpec quant = spec("mobilenet_v1_0.5_128_quant");
        assertThat(quant.image().orElseThrow().resize()).isEqualTo(new ShorterSideCrop(146));
        assertThat(((ClassificationSpec) quant.output()).labelOffset()).isEqualTo(1);

        PipelineSpec yolox = spec("yolox_nano");
        assertThat(yolox.image().orElseThrow().resize()).isEqualTo(new Letterbox(Anchor.TOP_LEFT, 114));
        assertThat(yolox.image().orElseThrow().channels()).isEqualTo(ChannelOrder.BGR);
        assertThat(yolox.image().orElseThrow().isIdentityNormalization()).isTrue();
        assertThat(((DetectionSpec) yolox.output()).format()).isEqualTo(Format.YOLOX);

        PipelineSpec ssd = spec("ssd_mobilenet_v2_fpnlite_10_256_int8");
        assertThat(ssd.image().orElseThrow().resize()).isEqualTo(new Stretch());
        assertThat(ssd.image().orElseThrow().elementType()).contains(DType.UINT8);
        assertThat(((DetectionSpec) ssd.output()).scoresOutput()).contains("StatefulPartitionedCall:2");

        assertThat(spec("mlperftiny_ic_resnet8_fp32").image().orElseThrow().layout()).contains(Layout.NCHW);
        assertThat(spec("mlperftiny_ic_resnet8_qdq").image().orElseThrow().layout()).contains(Layout.NHWC);
        assertThat(spec("mlperftiny_vww_mobilenetv1_fp32").image().orElseThrow().channels()).isEqualTo(ChannelOrder.RGB);
        assertThat(spec("mnist_cntk").image().orElseThrow().channels()).isEqualTo(ChannelOrder.GRAY);
        assertThat(((ClassificationSpec) spec("mnist_cnn_pytorch").output()).activation()).isEqualTo(Activation.LOG_SOFTMAX);
        assertThat(spec("mlperftiny_kws_dscnn_qdq").image()).isEmpty();
    }

    /** Binds every declaration to the real model's inputs and outputs (read with ONNX Runtime). */
    @ParameterizedTest
    @MethodSource("sideFiles")
    void each_declaration_fits_its_model(Path sideFile) throws OrtException {
        Path models = Path.of(System.getProperty("outpost.models", "../shared/models"));
        Assumptions.assumeTrue(Files.isDirectory(models), "no models folder at " + models + "; set -Doutpost.models");
        String name = sideFile.getFileName().toString().replace(PipelineSpec.SIDE_FILE_SUFFIX, ".onnx");
        PipelineSpec spec = PipelineSpec.fromSideFile(sideFile);
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session = environment.createSession(models.resolve(name).toString(), options)) {
            List<TensorSpec> inputs = specs(session.getInputInfo());
            List<String> outputs = new ArrayList<>(session.getOutputNames());
            spec.image().ifPresent(image -> assertThat(ImagePreprocessor.create(image, inputs).inputName())
                    .isEqualTo(inputs.getFirst().name()));
            switch (spec.output()) {
                case ClassificationSpec cls -> assertThat(ClassificationPostprocessor.create(cls).outputName(outputs))
                        .isEqualTo(outputs.getFirst());
                case DetectionSpec det -> assertThat(DetectionPostprocessor.create(det).outputNames(outputs)).isNotEmpty();
                case OutputSpec.Tensors tensors -> throw new AssertionError(name);
            }
        }
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> infos) {
        List<TensorSpec> specs = new ArrayList<>();
        infos.forEach((key, info) -> {
            TensorInfo tensor = (TensorInfo) info.getInfo();
            DType type = tensor.type == OnnxJavaType.UINT8 ? DType.UINT8
                    : tensor.type == OnnxJavaType.FLOAT ? DType.FLOAT32 : DType.FLOAT16;
            specs.add(TensorSpec.of(key, type, tensor.getShape()));
        });
        return specs;
    }
}
