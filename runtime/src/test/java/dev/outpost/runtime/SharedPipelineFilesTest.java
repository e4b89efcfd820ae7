package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.runtime.ClassificationSpec.Activation;
import dev.outpost.runtime.DetectionSpec.Format;
import dev.outpost.runtime.ImageInputSpec.Anchor;
import dev.outpost.runtime.ImageInputSpec.ChannelOrder;
import dev.outpost.runtime.ImageInputSpec.CropOffset;
import dev.outpost.runtime.ImageInputSpec.Layout;
import dev.outpost.runtime.ImageInputSpec.Letterbox;
import dev.outpost.runtime.ImageInputSpec.ShorterSideCrop;
import dev.outpost.runtime.ImageInputSpec.Stretch;
import dev.outpost.runtime.PipelineCatalog.CatalogEntry;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The catalog declarations (resources {@code dev/outpost/runtime/catalog/}) for the models in shared/models. */
class SharedPipelineFilesTest {

    static Stream<CatalogEntry> entries() {
        return PipelineCatalog.entries().stream();
    }

    private static CatalogEntry entry(String model) {
        return PipelineCatalog.entries().stream().filter(e -> e.modelFile().equals(model + ".onnx")).findFirst()
                .orElseThrow(() -> new AssertionError("no catalog entry for " + model));
    }

    private static PipelineSpec spec(String model) {
        return entry(model).spec();
    }

    @ParameterizedTest
    @MethodSource("entries")
    void each_entry_parses_round_trips_and_has_labels_for_its_task(CatalogEntry entry) {
        PipelineSpec spec = entry.spec();

        switch (spec.output()) {
            case ClassificationSpec cls -> {
                assertThat(cls.labels()).as("catalog specs carry no labels path").isEmpty();
                assertThat(entry.labels()).isNotEmpty();
            }
            case DetectionSpec det -> assertThat(entry.labels()).hasSize(80).startsWith("person", "bicycle");
            case OutputSpec.Tensors tensors -> throw new AssertionError(entry + " declares no task");
        }
        assertThat(entry.description()).isNotBlank();
        assertThat(PipelineSpec.parse(spec.toProperties(), null)).isEqualTo(spec);
    }

    @Test
    void there_is_an_entry_for_every_shared_model_with_a_known_task() {
        assertThat(entries().map(CatalogEntry::modelFile)).hasSize(14).doesNotHaveDuplicates()
                .contains("squeezenet1.0-fp16.onnx", "yolox_nano.onnx", "mlperftiny_kws_dscnn_qdq.onnx");
        assertThat(entries().map(CatalogEntry::sha256)).doesNotHaveDuplicates();
    }

    @Test
    void declarations_match_models_sources() {
        ImageInputSpec squeezenet = spec("squeezenet1.0-fp32").image().orElseThrow();
        assertThat(squeezenet.resize()).isEqualTo(new ShorterSideCrop(256, CropOffset.ROUND));
        assertThat(squeezenet.channels()).isEqualTo(ChannelOrder.BGR);
        assertThat(squeezenet.mean()).containsExactly(104f, 117f, 123f);
        assertThat(squeezenet.std()).containsExactly(1f);
        assertThat(entry("squeezenet1.0-fp32").labels()).hasSize(1000).startsWith("tench", "goldfish", "great white shark");
        assertThat(entry("squeezenet1.0-fp32").sha256())
                .isEqualTo("0fccde009e25d24dd3f0a8a6ccca04346d240a2bf04d8f36581071236f6d878c");
        assertThat(spec("squeezenet1.0-fp16").image().orElseThrow().elementType()).contains(DType.FLOAT16);

        ImageInputSpec mobilenet = spec("mobilenetv2-12-int8").image().orElseThrow();
        assertThat(mobilenet.channels()).isEqualTo(ChannelOrder.RGB);
        assertThat(mobilenet.scale()).isEqualTo(1f / 255, org.assertj.core.data.Offset.offset(1e-9f));
        assertThat(mobilenet.mean()).containsExactly(0.485f, 0.456f, 0.406f);
        assertThat(mobilenet.std()).containsExactly(0.229f, 0.224f, 0.225f);

        ImageInputSpec perTensor = spec("mobilenet_v2_1.0_224_int8_per_tensor").image().orElseThrow();
        assertThat(perTensor.elementType()).contains(DType.UINT8);
        assertThat(perTensor.layout()).contains(Layout.NHWC);
        assertThat(perTensor.resize()).isEqualTo(new ShorterSideCrop(256, CropOffset.FLOOR));

        PipelineSpec quant = spec("mobilenet_v1_0.5_128_quant");
        assertThat(quant.image().orElseThrow().resize()).isEqualTo(new ShorterSideCrop(146, CropOffset.FLOOR));
        assertThat(((ClassificationSpec) quant.output()).labelOffset()).isEqualTo(1);
        assertThat(entry("mobilenet_v1_0.5_128_quant").labels()).hasSize(1000);

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
        assertThat(entry("mlperftiny_ic_resnet8_qdq").labels()).startsWith("airplane", "automobile").hasSize(10);
        assertThat(spec("mlperftiny_vww_mobilenetv1_fp32").image().orElseThrow().channels()).isEqualTo(ChannelOrder.RGB);
        assertThat(entry("mlperftiny_vww_mobilenetv1_qdq").labels()).containsExactly("no person", "person");
        assertThat(spec("mnist_cntk").image().orElseThrow().channels()).isEqualTo(ChannelOrder.GRAY);
        assertThat(((ClassificationSpec) spec("mnist_cnn_pytorch").output()).activation()).isEqualTo(Activation.LOG_SOFTMAX);
        assertThat(spec("mlperftiny_kws_dscnn_qdq").image()).isEmpty();
        assertThat(entry("mlperftiny_kws_dscnn_qdq").labels()).hasSize(12).endsWith("silence", "unknown");
    }

    /** Every entry's SHA-256 is its real model's, and its declaration binds to that model in ONNX Runtime. */
    @ParameterizedTest
    @MethodSource("entries")
    void each_entry_is_its_models_digest_and_binds_to_it(CatalogEntry entry) {
        Path modelFile = TestFixtures.model(entry.modelFile());
        assertThat(PipelineCatalog.sha256(modelFile)).isEqualTo(entry.sha256());
        assertThat(PipelineCatalog.find(modelFile)).contains(entry);
        try (InferenceEngine engine = InferenceEngine.create(); ModelSession session = engine.open(modelFile)) {
            Pipeline pipeline = Pipeline.create(session, entry.spec(), Optional.of(entry.labels()));
            assertThat(pipeline.acceptsImages()).isEqualTo(entry.spec().image().isPresent());
            Pipeline.Declaration declared = Pipeline.declaredFor(modelFile, session);
            assertThat(declared.source()).isEqualTo(Pipeline.Declaration.Source.CATALOG);
            assertThat(declared.spec()).isEqualTo(entry.spec());
            assertThat(declared.labels()).contains(entry.labels());
        }
    }
}
