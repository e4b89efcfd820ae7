package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.runtime.DetectionSpec.Format;
import dev.outpost.runtime.ImageInputSpec.Anchor;
import dev.outpost.runtime.ImageInputSpec.ChannelOrder;
import dev.outpost.runtime.ImageInputSpec.Letterbox;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DetectionPostprocessorTest {

    private static final int YOLOX_ROWS = 52 * 52 + 26 * 26 + 13 * 13;

    private static DetectionSpec yolo(Format format, float scoreThreshold) {
        return new DetectionSpec(format, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                DetectionSpec.DEFAULT_STRIDES, scoreThreshold, 0.45f, 100, true, Optional.empty());
    }

    /** The transform a real letterbox preprocessor records for an image of the given size. */
    private static ImageTransform letterbox(Anchor anchor, int width, int height) {
        ImageInputSpec spec = new ImageInputSpec(Optional.empty(), new Letterbox(anchor, 114), false, ChannelOrder.BGR,
                Optional.empty(), Optional.empty(), Optional.empty(), 1f, List.of(0f), List.of(1f));
        ImagePreprocessor pre = ImagePreprocessor.create(spec, TensorSpec.of("images", DType.FLOAT32, 1, 3, 416, 416));
        try (PreprocessedBatch batch = pre.preprocess(Image.ofRgb(width, height, new byte[width * height * 3]))) {
            return batch.transforms().getFirst();
        }
    }

    /** A YOLOX output with one hot cell: stride 16, grid cell (5, 3) in the 26 x 26 grid. */
    private static float[] yoloxWithOneCell(int gx, int gy) {
        float[] values = new float[YOLOX_ROWS * 85];
        int row = 52 * 52 + gy * 26 + gx;
        int at = row * 85;
        values[at] = 0.5f;
        values[at + 1] = 0.5f;
        values[at + 2] = (float) Math.log(2);
        values[at + 3] = (float) Math.log(4);
        values[at + 4] = 0.9f;
        values[at + 5 + 7] = 0.8f;
        values[at + 5 + 3] = 0.1f;
        return values;
    }

    private static void assertBox(Detection detection, double x1, double y1, double x2, double y2) {
        assertThat(detection.x1()).isCloseTo((float) x1, within(1e-3f));
        assertThat(detection.y1()).isCloseTo((float) y1, within(1e-3f));
        assertThat(detection.x2()).isCloseTo((float) x2, within(1e-3f));
        assertThat(detection.y2()).isCloseTo((float) y2, within(1e-3f));
    }

    @Test
    void yolox_hot_cell_maps_back_through_a_top_left_letterbox() {
        // 832 x 416 -> r = 0.5 -> 416 x 208 at the top-left.
        ImageTransform transform = letterbox(Anchor.TOP_LEFT, 832, 416);
        DetectionPostprocessor post = DetectionPostprocessor.create(yolo(Format.YOLOX, 0.25f), List.of());

        List<Detection> found = post.process(Tensor.of(yoloxWithOneCell(5, 3), 1, YOLOX_ROWS, 85), List.of(transform))
                .getFirst();

        // Centre ((0.5 + 5) * 16, (0.5 + 3) * 16) = (88, 56), size (2 * 16, 4 * 16) = (32, 64): input box
        // (72, 24) - (104, 88), divided by r = 0.5.
        assertThat(found).hasSize(1);
        assertThat(found.getFirst().classIndex()).isEqualTo(7);
        assertThat(found.getFirst().score()).isCloseTo(0.72f, within(1e-6f));
        assertBox(found.getFirst(), 144, 48, 208, 176);
    }

    @Test
    void yolox_hot_cell_maps_back_through_a_centered_letterbox() {
        // 416 x 208 -> r = 1, placed at rows 104..311.
        ImageTransform transform = letterbox(Anchor.CENTER, 416, 208);
        DetectionPostprocessor post = DetectionPostprocessor.create(yolo(Format.YOLOX, 0.25f), List.of());

        List<Detection> found = post.process(Tensor.of(yoloxWithOneCell(5, 10), 1, YOLOX_ROWS, 85), List.of(transform))
                .getFirst();

        // Centre (88, 168), input box (72, 136) - (104, 200); minus the 104-pixel top padding.
        assertThat(found).hasSize(1);
        assertBox(found.getFirst(), 72, 32, 104, 96);
    }

    @Test
    void yolox_boxes_are_clipped_to_the_image_and_low_scores_dropped() {
        float[] values = yoloxWithOneCell(0, 0);
        int last = (YOLOX_ROWS - 1) * 85;
        values[last + 4] = 0.2f;
        values[last + 5] = 1f;
        DetectionPostprocessor post = DetectionPostprocessor.create(yolo(Format.YOLOX, 0.25f), List.of());

        List<Detection> found = post.process(Tensor.of(values, 1, YOLOX_ROWS, 85),
                List.of(ImageTransform.identity(416, 416))).getFirst();

        // Centre (8, 8), size 32 x 64: the box (-8, -24) - (24, 40) is clipped at 0.
        assertThat(found).hasSize(1);
        assertBox(found.getFirst(), 0, 0, 24, 40);
    }

    @Test
    void yolox_rejects_an_output_that_does_not_fit_the_strides() {
        DetectionPostprocessor post = DetectionPostprocessor.create(yolo(Format.YOLOX, 0.25f), List.of());

        assertThatThrownBy(() -> post.process(Tensor.of(new float[100 * 85], 1, 100, 85),
                List.of(ImageTransform.identity(416, 416))))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("expected [N, 3549, 5 + classes]");
    }

    @Test
    void yolov8_decodes_centre_size_boxes_and_undoes_a_stretch() {
        int anchors = 5;
        int classes = 3;
        float[] values = new float[(4 + classes) * anchors];
        int a = 2;
        values[a] = 100;
        values[anchors + a] = 50;
        values[2 * anchors + a] = 20;
        values[3 * anchors + a] = 10;
        values[(4 + 1) * anchors + a] = 0.9f;
        values[(4 + 2) * anchors + a] = 0.3f;
        values[(4 + 2) * anchors + 4] = 0.1f;
        // 200 x 100 stretched to 640 x 640.
        ImageTransform transform = new ImageTransform(200, 100, 640, 640, 3.2, 6.4, 0, 0);
        DetectionPostprocessor post = DetectionPostprocessor.create(yolo(Format.YOLOV8, 0.25f), List.of("a", "b", "c"));

        List<Detection> found = post.process(Tensor.of(values, 1, 4 + classes, anchors), List.of(transform)).getFirst();

        assertThat(found).hasSize(1);
        assertThat(found.getFirst().label()).isEqualTo("b");
        assertThat(found.getFirst().score()).isEqualTo(0.9f);
        assertBox(found.getFirst(), 90 / 3.2, 45 / 6.4, 110 / 3.2, 55 / 6.4);
    }

    @Test
    void ssd_decodes_offsets_against_anchors_and_skips_the_background_column() {
        DetectionSpec spec = new DetectionSpec(Format.SSD, Optional.empty(), Optional.of("scores"), Optional.of("boxes"),
                Optional.of("anchors"), DetectionSpec.DEFAULT_STRIDES, 0.5f, 0.45f, 10, true, Optional.empty());
        // Anchor 0: background 0.95 (ignored), class 0 0.1, class 1 0.8. Anchor 1: nothing above 0.5.
        Tensor scores = Tensor.of(new float[] {0.95f, 0.1f, 0.8f, 0.9f, 0.4f, 0.3f}, 1, 2, 3);
        Tensor boxes = Tensor.of(new float[] {0.1f, -0.1f, 0f, 0.2f, 0, 0, 0, 0}, 1, 2, 4);
        Tensor anchors = Tensor.of(new float[] {0.1f, 0.2f, 0.5f, 0.6f, 0, 0, 1, 1}, 1, 2, 4);
        // 100 x 200 stretched to 256 x 256.
        ImageTransform transform = new ImageTransform(100, 200, 256, 256, 2.56, 1.28, 0, 0);
        DetectionPostprocessor post = DetectionPostprocessor.create(spec, List.of());

        List<Detection> found = post.process(Map.of("scores", scores, "boxes", boxes, "anchors", anchors),
                List.of(transform)).getFirst();

        // aw = ah = 0.4: x1 = 0.1*0.4 + 0.1, y1 = -0.1*0.4 + 0.2, x2 = 0 + 0.5, y2 = 0.2*0.4 + 0.6 (normalized).
        assertThat(found).hasSize(1);
        assertThat(found.getFirst().classIndex()).isEqualTo(1);
        assertThat(found.getFirst().score()).isEqualTo(0.8f);
        assertBox(found.getFirst(), 14, 32, 50, 136);
        assertThat(post.outputNames(List.of("anchors", "boxes", "scores"))).containsExactly("scores", "boxes", "anchors");
    }

    @Test
    void a_batch_maps_each_image_through_its_own_transform() {
        float[] one = yoloxWithOneCell(5, 3);
        float[] two = new float[one.length * 2];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        DetectionPostprocessor post = DetectionPostprocessor.create(yolo(Format.YOLOX, 0.25f), List.of());

        List<List<Detection>> found = post.process(Tensor.of(two, 2, YOLOX_ROWS, 85),
                List.of(ImageTransform.identity(416, 416), letterbox(Anchor.TOP_LEFT, 832, 416)));

        assertBox(found.get(0).getFirst(), 72, 24, 104, 88);
        assertBox(found.get(1).getFirst(), 144, 48, 208, 176);
    }

    @Test
    void nms_and_max_detections_apply_to_decoded_boxes() {
        int anchors = 3;
        float[] values = new float[5 * anchors];
        float[][] boxes = {{50, 50, 20, 20}, {51, 50, 20, 20}, {200, 200, 10, 10}};
        float[] scores = {0.9f, 0.8f, 0.7f};
        for (int a = 0; a < anchors; a++) {
            for (int k = 0; k < 4; k++) {
                values[k * anchors + a] = boxes[a][k];
            }
            values[4 * anchors + a] = scores[a];
        }
        DetectionSpec spec = new DetectionSpec(Format.YOLOV8, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), DetectionSpec.DEFAULT_STRIDES, 0.25f, 0.45f, 10, true, Optional.empty());

        List<Detection> found = DetectionPostprocessor.create(spec, List.of())
                .process(Tensor.of(values, 1, 5, anchors), List.of(ImageTransform.identity(640, 640))).getFirst();

        assertThat(found).extracting(Detection::score).containsExactly(0.9f, 0.7f);
    }

    @Test
    void mismatched_batch_and_missing_outputs_are_rejected() {
        DetectionPostprocessor post = DetectionPostprocessor.create(yolo(Format.YOLOX, 0.25f), List.of());
        Tensor output = Tensor.of(new float[YOLOX_ROWS * 85], 1, YOLOX_ROWS, 85);

        assertThatThrownBy(() -> post.process(output, List.of(ImageTransform.identity(416, 416),
                ImageTransform.identity(416, 416)))).hasMessageContaining("holds 1 images but 2 image transforms");
        assertThatThrownBy(() -> post.process(output, List.of())).hasMessageContaining("no image transforms");
        DetectionSpec ssd = new DetectionSpec(Format.SSD, Optional.empty(), Optional.of("s"), Optional.of("b"),
                Optional.of("a"), DetectionSpec.DEFAULT_STRIDES, 0.5f, 0.45f, 10, true, Optional.empty());
        assertThatThrownBy(() -> DetectionPostprocessor.create(ssd, List.of()).process(Map.of("s", output),
                List.of(ImageTransform.identity(416, 416)))).hasMessageContaining("detection.boxes 'b' is not a model output");
    }
}
