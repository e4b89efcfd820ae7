package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.runtime.ClassificationSpec.Activation;
import dev.outpost.runtime.DetectionSpec.Format;
import dev.outpost.runtime.ImageInputSpec.Anchor;
import dev.outpost.runtime.ImageInputSpec.ChannelOrder;
import dev.outpost.runtime.ImageInputSpec.Layout;
import dev.outpost.runtime.ImageInputSpec.Letterbox;
import dev.outpost.runtime.ImageInputSpec.ShorterSideCrop;
import dev.outpost.runtime.ImageInputSpec.Size;
import dev.outpost.runtime.ImageInputSpec.Stretch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineSpecTest {

    @TempDir
    Path dir;

    private static PipelineSpec parse(String... keyValues) {
        Map<String, String> properties = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        return PipelineSpec.parse(properties, null);
    }

    @Test
    void no_keys_means_plain_tensors() {
        assertThat(parse()).isEqualTo(PipelineSpec.none());
        assertThat(PipelineSpec.fromModelMetadata(Map.of("producer", "pytorch"))).isEqualTo(PipelineSpec.none());
    }

    @Test
    void an_input_key_declares_an_image_input_with_defaults_for_the_rest() {
        PipelineSpec spec = parse("input.resize", "stretch");

        assertThat(spec.image()).contains(ImageInputSpec.defaults());
        assertThat(spec.output()).isEqualTo(new OutputSpec.Tensors());
    }

    @Test
    void every_image_key_is_read() {
        ImageInputSpec image = parse(
                "input.name", "pixels", "input.resize", "LETTERBOX", "input.letterbox.anchor", "top-left",
                "input.letterbox.pad", "0", "input.antialias", "true", "input.size", "320x240",
                "input.channels", "bgr", "input.layout", "NHWC", "input.type", "uint8", "input.scale", "0.5",
                "input.mean", "1,2,3", "input.std", "4, 5, 6").image().orElseThrow();

        assertThat(image).isEqualTo(new ImageInputSpec(Optional.of("pixels"), new Letterbox(Anchor.TOP_LEFT, 0), true,
                ChannelOrder.BGR, Optional.of(Layout.NHWC), Optional.of(DType.UINT8), Optional.of(new Size(320, 240)),
                0.5f, List.of(1f, 2f, 3f), List.of(4f, 5f, 6f)));
    }

    @Test
    void resize_modes_and_letterbox_defaults() {
        assertThat(parse("input.resize", "shorter-side:256").image().orElseThrow().resize())
                .isEqualTo(new ShorterSideCrop(256));
        assertThat(parse("input.resize", "letterbox").image().orElseThrow().resize())
                .isEqualTo(new Letterbox(Anchor.CENTER, 114));
        assertThat(parse("input.channels", "GRAY").image().orElseThrow().resize()).isEqualTo(new Stretch());
    }

    @Test
    void classification_keys_and_defaults() {
        assertThat(parse("task", "classification").output())
                .isEqualTo(new ClassificationSpec(Optional.empty(), Activation.SOFTMAX, 5, Optional.empty(), 0, 1f));

        PipelineSpec spec = PipelineSpec.parse(Map.of("task", "classification", "classification.output", "probs",
                "classification.activation", "log-softmax", "classification.top-k", "3", "classification.labels",
                "labels/synset.txt", "classification.label-offset", "1", "classification.scale", "0.00390625"), dir);

        assertThat(spec.output()).isEqualTo(new ClassificationSpec(Optional.of("probs"), Activation.LOG_SOFTMAX, 3,
                Optional.of(dir.resolve("labels/synset.txt")), 1, 0.00390625f));
    }

    @Test
    void detection_keys_and_defaults() {
        assertThat(parse("task", "detection", "detection.format", "yolox").output()).isEqualTo(new DetectionSpec(
                Format.YOLOX, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(8, 16, 32), 0.25f, 0.45f, 100, true, Optional.empty()));

        assertThat(parse("task", "detection", "detection.format", "ssd", "detection.scores", "s", "detection.boxes", "b",
                "detection.anchors", "a", "detection.score-threshold", "0.01", "detection.iou-threshold", "0.6",
                "detection.max-detections", "300", "detection.class-wise", "false", "detection.labels", "/l/coco.txt")
                .output()).isEqualTo(new DetectionSpec(Format.SSD, Optional.empty(), Optional.of("s"), Optional.of("b"),
                        Optional.of("a"), List.of(8, 16, 32), 0.01f, 0.6f, 300, false, Optional.of(Path.of("/l/coco.txt"))));

        assertThat(parse("task", "detection", "detection.format", "yolov8", "detection.output", "output0").output())
                .isEqualTo(new DetectionSpec(Format.YOLOV8, Optional.of("output0"), Optional.empty(), Optional.empty(),
                        Optional.empty(), List.of(8, 16, 32), 0.25f, 0.45f, 100, true, Optional.empty()));
        assertThat(((DetectionSpec) parse("task", "detection", "detection.format", "yolox", "detection.strides", "8,16")
                .output()).strides()).containsExactly(8, 16);
    }

    @Test
    void a_bad_choice_names_the_prefixed_key_the_value_and_the_choices() {
        assertThatThrownBy(() -> PipelineSpec.fromModelMetadata(Map.of("outpost.pipeline.input.layout", "NCWH")))
                .isInstanceOf(InferenceException.class)
                .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(InferenceException.Code.PIPELINE))
                .hasMessageContaining("outpost.pipeline.input.layout = 'NCWH'; expected NCHW or NHWC");
    }

    @Test
    void bad_values_name_the_key_and_what_is_valid() {
        assertThatThrownBy(() -> parse("input.resize", "shorter-side:abc"))
                .hasMessageContaining("input.resize = 'abc'; expected an integer in 1..65536");
        assertThatThrownBy(() -> parse("input.resize", "crop"))
                .hasMessageContaining("input.resize = 'crop'; expected stretch, letterbox or shorter-side:<pixels>");
        assertThatThrownBy(() -> parse("input.channels", "RGBA"))
                .hasMessageContaining("input.channels = 'RGBA'; expected one of RGB, BGR, GRAY");
        assertThatThrownBy(() -> parse("input.type", "int8"))
                .hasMessageContaining("input.type = 'int8'; expected one of float32, float16, uint8");
        assertThatThrownBy(() -> parse("input.resize", "shorter-side:256", "input.crop-offset", "ceil"))
                .hasMessageContaining("input.crop-offset = 'ceil'; expected round or floor");
        assertThatThrownBy(() -> parse("input.resize", "stretch", "input.crop-offset", "floor"))
                .hasMessageContaining("input.crop-offset is not used by this declaration");
        assertThatThrownBy(() -> parse("input.resize", "letterbox", "input.letterbox.pad", "300"))
                .hasMessageContaining("input.letterbox.pad = '300'; expected an integer in 0..255");
        assertThatThrownBy(() -> parse("input.size", "224"))
                .hasMessageContaining("input.size = '224'; expected <width>x<height>");
        assertThatThrownBy(() -> parse("input.std", "0.2,0"))
                .hasMessageContaining("input.std = '0'; expected a number in");
        assertThatThrownBy(() -> parse("input.mean", "1,2"))
                .hasMessageContaining("input.mean = '1,2'; expected 1 value or 3 comma-separated values");
        assertThatThrownBy(() -> parse("input.channels", "GRAY", "input.mean", "1,2,3"))
                .hasMessageContaining("expected 1 value or 1 comma-separated values (one per GRAY channel)");
        assertThatThrownBy(() -> parse("task", "segmentation"))
                .hasMessageContaining("task = 'segmentation'; expected one of classification, detection, tensors");
        assertThatThrownBy(() -> parse("task", "classification", "classification.activation", "relu"))
                .hasMessageContaining("expected one of softmax, none, log-softmax, sigmoid");
        assertThatThrownBy(() -> parse("task", "classification", "classification.top-k", "0"))
                .hasMessageContaining("classification.top-k = '0'; expected an integer >= 1");
        assertThatThrownBy(() -> parse("task", "detection"))
                .hasMessageContaining("detection.format = ''; expected yolox, yolov8 or ssd");
        assertThatThrownBy(() -> parse("task", "detection", "detection.format", "yolox", "detection.iou-threshold", "1.5"))
                .hasMessageContaining("detection.iou-threshold = '1.5'; expected a number in 0..1");
        assertThatThrownBy(() -> parse("task", "detection", "detection.format", "ssd", "detection.scores", "s"))
                .hasMessageContaining("format ssd needs the names of the scores, boxes and anchors outputs");
        assertThatThrownBy(() -> parse("task", "detection", "detection.format", "yolox", "detection.class-wise", "yes"))
                .hasMessageContaining("detection.class-wise = 'yes'; expected true or false");
        assertThatThrownBy(() -> parse("input.name", " "))
                .hasMessageContaining("input.name = ' '; expected a non-empty value");
    }

    @Test
    void unknown_and_unused_keys_are_rejected() {
        assertThatThrownBy(() -> parse("input.resize", "stretch", "input.colour", "RGB"))
                .hasMessageContaining("input.colour is not a pipeline key").hasMessageContaining("input.channels");
        assertThatThrownBy(() -> parse("input.resize", "stretch", "input.letterbox.pad", "0"))
                .hasMessageContaining("input.letterbox.pad is not used by this declaration");
        assertThatThrownBy(() -> parse("task", "detection", "detection.format", "yolox", "classification.top-k", "3"))
                .hasMessageContaining("classification.top-k is not used by this declaration");
        assertThatThrownBy(() -> parse("task", "detection", "detection.format", "yolov8", "detection.scores", "s"))
                .hasMessageContaining("detection.scores is not used by this declaration");
    }

    @Test
    void to_properties_round_trips_through_parse() {
        List<PipelineSpec> specs = List.of(
                PipelineSpec.none(),
                parse("input.resize", "shorter-side:256", "input.channels", "BGR", "input.mean", "104,117,123",
                        "task", "classification", "classification.activation", "none", "classification.labels", "/x/s.txt"),
                parse("input.name", "img", "input.resize", "letterbox", "input.letterbox.anchor", "top-left",
                        "input.size", "640x480", "input.type", "float32", "input.layout", "NCHW", "input.scale", "0.003921569",
                        "input.mean", "0.485,0.456,0.406", "input.std", "0.229,0.224,0.225", "input.antialias", "true",
                        "task", "detection", "detection.format", "yolox", "detection.strides", "8,16,32,64"),
                parse("input.type", "uint8", "task", "detection", "detection.format", "ssd", "detection.scores", "s",
                        "detection.boxes", "b", "detection.anchors", "a", "detection.class-wise", "false"),
                parse("task", "classification", "classification.label-offset", "1", "classification.scale", "0.00390625",
                        "classification.top-k", "1", "classification.activation", "sigmoid", "classification.output", "o"));

        for (PipelineSpec spec : specs) {
            assertThat(PipelineSpec.parse(spec.toProperties(), null)).as("%s", spec.toProperties()).isEqualTo(spec);
            assertThat(PipelineSpec.fromModelMetadata(spec.toModelMetadata())).isEqualTo(spec);
        }
        assertThat(specs.get(1).toModelMetadata()).containsEntry("outpost.pipeline.input.channels", "BGR")
                .containsEntry("outpost.pipeline.input.mean", "104,117,123");
    }

    @Test
    void side_file_paths_resolve_against_its_folder_and_metadata_paths_stay_as_written() throws IOException {
        Path model = dir.resolve("models/net.onnx");
        Files.createDirectories(model.getParent());
        Path side = PipelineSpec.sideFileOf(model);
        Files.writeString(side, "task = classification\nclassification.labels = labels/names.txt\n");

        assertThat(side.getFileName().toString()).isEqualTo("net.pipeline.properties");
        assertThat(((ClassificationSpec) PipelineSpec.fromSideFile(side).output()).labels())
                .contains(dir.resolve("models/labels/names.txt").toAbsolutePath());
        assertThat(((ClassificationSpec) PipelineSpec.fromModelMetadata(Map.of("outpost.pipeline.task", "classification",
                "outpost.pipeline.classification.labels", "labels/names.txt")).output()).labels())
                .contains(Path.of("labels/names.txt"));
    }

    @Test
    void side_file_errors_name_the_file() throws IOException {
        Path side = dir.resolve("bad.pipeline.properties");
        Files.writeString(side, "input.layout = CHW\n");

        assertThatThrownBy(() -> PipelineSpec.fromSideFile(side))
                .hasMessageContaining(side.toString()).hasMessageContaining("input.layout = 'CHW'");
        assertThatThrownBy(() -> PipelineSpec.fromSideFile(dir.resolve("missing.pipeline.properties")))
                .isInstanceOf(InferenceException.class).hasMessageContaining("Cannot read pipeline side file");
    }
}
