package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.runtime.ImageInputSpec.Anchor;
import dev.outpost.runtime.ImageInputSpec.ChannelOrder;
import dev.outpost.runtime.ImageInputSpec.CropOffset;
import dev.outpost.runtime.ImageInputSpec.Layout;
import dev.outpost.runtime.ImageInputSpec.Letterbox;
import dev.outpost.runtime.ImageInputSpec.Resize;
import dev.outpost.runtime.ImageInputSpec.ShorterSideCrop;
import dev.outpost.runtime.ImageInputSpec.Size;
import dev.outpost.runtime.ImageInputSpec.Stretch;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImagePreprocessorTest {

    /** A w x h image whose pixel (x, y) is (x + 10 y, 100 + x, 200 + y) - every value distinct per channel. */
    private static Image ramp(int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                rgb[i] = (byte) (x + 10 * y);
                rgb[i + 1] = (byte) (100 + x);
                rgb[i + 2] = (byte) (200 + y);
            }
        }
        return Image.ofRgb(width, height, rgb);
    }

    private static Image solid(int width, int height, int red, int green, int blue) {
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) red;
            rgb[i + 1] = (byte) green;
            rgb[i + 2] = (byte) blue;
        }
        return Image.ofRgb(width, height, rgb);
    }

    private static ImageInputSpec spec(Resize resize, ChannelOrder channels, float scale, List<Float> mean,
            List<Float> std) {
        return new ImageInputSpec(Optional.empty(), resize, false, channels, Optional.empty(), Optional.empty(),
                Optional.empty(), scale, mean, std);
    }

    private static ImageInputSpec plain(Resize resize, ChannelOrder channels) {
        return spec(resize, channels, 1f, List.of(0f), List.of(1f));
    }

    @Test
    void nchw_float_rgb_of_a_same_size_image_holds_the_pixels_plane_by_plane() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Stretch(), ChannelOrder.RGB),
                TensorSpec.of("x", DType.FLOAT32, 1, 3, 2, 3));

        try (PreprocessedBatch batch = pre.preprocess(ramp(3, 2))) {
            assertThat(batch.tensor().shape()).containsExactly(1, 3, 2, 3);
            assertThat(batch.tensor().toFloatArray()).containsExactly(
                    0, 1, 2, 10, 11, 12,
                    100, 101, 102, 100, 101, 102,
                    200, 200, 200, 201, 201, 201);
            assertThat(batch.transforms()).containsExactly(ImageTransform.identity(3, 2));
        }
    }

    @Test
    void bgr_reverses_the_channel_planes() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Stretch(), ChannelOrder.BGR),
                TensorSpec.of("x", DType.FLOAT32, 1, 3, 1, 2));

        try (PreprocessedBatch batch = pre.preprocess(ramp(2, 1))) {
            assertThat(batch.tensor().toFloatArray()).containsExactly(200, 200, 100, 101, 0, 1);
        }
    }

    @Test
    void nhwc_uint8_keeps_interleaved_bytes_and_layout_is_inferred_from_the_shape() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Stretch(), ChannelOrder.BGR),
                TensorSpec.of("x", DType.UINT8, 1, 1, 2, 3));

        assertThat(pre.layout()).isEqualTo(Layout.NHWC);
        assertThat(pre.elementType()).isEqualTo(DType.UINT8);
        try (PreprocessedBatch batch = pre.preprocess(ramp(2, 1))) {
            assertThat(batch.tensor().type()).isEqualTo(DType.UINT8);
            assertThat(batch.tensor().toFloatArray()).containsExactly(200, 100, 0, 200, 101, 1);
        }
    }

    @Test
    void normalization_applies_scale_mean_and_std_per_declared_channel() {
        ImageInputSpec spec = spec(new Stretch(), ChannelOrder.BGR, 0.5f, List.of(10f, 20f, 30f), List.of(2f, 4f, 5f));
        ImagePreprocessor pre = ImagePreprocessor.create(spec, TensorSpec.of("x", DType.FLOAT32, 1, 1, 1, 3));

        try (PreprocessedBatch batch = pre.preprocess(solid(1, 1, 100, 120, 140))) {
            // BGR: (140 * .5 - 10) / 2, (120 * .5 - 20) / 4, (100 * .5 - 30) / 5
            assertThat(batch.tensor().toFloatArray()).containsExactly(30f, 10f, 4f);
        }
    }

    @Test
    void grayscale_uses_rounded_itu601_luma_and_keeps_gray_pixels_exact() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Stretch(), ChannelOrder.GRAY),
                TensorSpec.of("x", DType.FLOAT32, 1, 1, 1, 3));
        byte[] rgb = {(byte) 255, 0, 0, 0, (byte) 255, 0, 77, 77, 77};

        try (PreprocessedBatch batch = pre.preprocess(Image.ofRgb(3, 1, rgb))) {
            assertThat(batch.tensor().shape()).containsExactly(1, 1, 1, 3);
            assertThat(batch.tensor().toFloatArray()).containsExactly(76f, 150f, 77f);
        }
    }

    @Test
    void a_batch_holds_each_image_in_order_with_its_own_transform() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Stretch(), ChannelOrder.RGB),
                TensorSpec.of("x", DType.FLOAT32, -1, 3, 2, 2));

        try (PreprocessedBatch batch = pre.preprocess(List.of(solid(2, 2, 1, 2, 3), solid(4, 1, 7, 8, 9)))) {
            assertThat(batch.tensor().shape()).containsExactly(2, 3, 2, 2);
            assertThat(batch.tensor().toFloatArray()).containsExactly(
                    1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                    7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9);
            assertThat(batch.transforms().get(1)).isEqualTo(new ImageTransform(4, 1, 2, 2, 0.5, 2.0, 0, 0));
        }
    }

    @Test
    void letterbox_top_left_places_the_scaled_image_at_the_origin_and_pads_the_rest() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Letterbox(Anchor.TOP_LEFT, 114), ChannelOrder.RGB),
                TensorSpec.of("x", DType.UINT8, 1, 8, 8, 3));

        try (PreprocessedBatch batch = pre.preprocess(solid(4, 2, 10, 20, 30))) {
            float[] values = batch.tensor().toFloatArray();
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int at = (y * 8 + x) * 3;
                    float[] expected = y < 4 ? new float[] {10, 20, 30} : new float[] {114, 114, 114};
                    assertThat(new float[] {values[at], values[at + 1], values[at + 2]}).as("pixel %d,%d", x, y)
                            .containsExactly(expected);
                }
            }
            assertThat(batch.transforms()).containsExactly(new ImageTransform(4, 2, 8, 8, 2, 2, 0, 0));
        }
    }

    @Test
    void letterbox_center_splits_the_padding_and_records_the_offset() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Letterbox(Anchor.CENTER, 0), ChannelOrder.RGB),
                TensorSpec.of("x", DType.FLOAT32, 1, 3, 8, 8));

        try (PreprocessedBatch batch = pre.preprocess(solid(5, 3, 50, 60, 70))) {
            // r = min(8/5, 8/3) = 1.6: 8 x floor(4.8) = 8 x 4, placed at rows 2..5.
            float[] red = java.util.Arrays.copyOfRange(batch.tensor().toFloatArray(), 0, 64);
            for (int y = 0; y < 8; y++) {
                float expected = y >= 2 && y < 6 ? 50 : 0;
                for (int x = 0; x < 8; x++) {
                    assertThat(red[y * 8 + x]).as("red at %d,%d", x, y).isEqualTo(expected);
                }
            }
            ImageTransform transform = batch.transforms().getFirst();
            assertThat(transform).isEqualTo(new ImageTransform(5, 3, 8, 8, 8 / 5.0, 4 / 3.0, 0, 2));
            assertThat(transform.toOriginalY(6.0)).isCloseTo(3.0, within(1e-12));
        }
    }

    @Test
    void shorter_side_resize_then_center_crop_takes_the_middle_rows() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new ShorterSideCrop(4), ChannelOrder.RGB),
                TensorSpec.of("x", DType.UINT8, 1, 4, 4, 3));

        try (PreprocessedBatch batch = pre.preprocess(ramp(4, 8))) {
            float[] values = batch.tensor().toFloatArray();
            // The image already has its shorter side 4: no resize, crop rows 2..5.
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    int at = (y * 4 + x) * 3;
                    assertThat(values[at]).isEqualTo(x + 10 * (y + 2));
                    assertThat(values[at + 2]).isEqualTo(200 + y + 2);
                }
            }
            assertThat(batch.transforms()).containsExactly(new ImageTransform(4, 8, 4, 4, 1, 1, 0, -2));
        }
    }

    @Test
    void shorter_side_resize_scales_before_cropping() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new ShorterSideCrop(4), ChannelOrder.RGB),
                TensorSpec.of("x", DType.FLOAT32, 1, 3, 4, 4));

        try (PreprocessedBatch batch = pre.preprocess(solid(12, 2, 9, 9, 9))) {
            // 12x2 -> 24x4, center crop 4x4 starts at column 10.
            assertThat(batch.transforms()).containsExactly(new ImageTransform(12, 2, 4, 4, 2, 2, -10, 0));
            assertThat(batch.tensor().toFloatArray()).containsOnly(9f);
        }
    }

    @Test
    void crop_offset_decides_which_side_gets_the_odd_row() {
        // A 4x7 image, shorter side already 4: three rows are cut, two at the top (round) or one (floor).
        ImagePreprocessor round = ImagePreprocessor.create(plain(new ShorterSideCrop(4, CropOffset.ROUND),
                ChannelOrder.RGB), TensorSpec.of("x", DType.UINT8, 1, 4, 4, 3));
        ImagePreprocessor floor = ImagePreprocessor.create(plain(new ShorterSideCrop(4, CropOffset.FLOOR),
                ChannelOrder.RGB), TensorSpec.of("x", DType.UINT8, 1, 4, 4, 3));

        try (PreprocessedBatch rounded = round.preprocess(ramp(4, 7));
                PreprocessedBatch floored = floor.preprocess(ramp(4, 7))) {
            assertThat(rounded.tensor().getFloat(2)).as("blue of the first pixel = 200 + first row").isEqualTo(202f);
            assertThat(floored.tensor().getFloat(2)).isEqualTo(201f);
            assertThat(rounded.transforms()).containsExactly(new ImageTransform(4, 7, 4, 4, 1, 1, 0, -2));
            assertThat(floored.transforms()).containsExactly(new ImageTransform(4, 7, 4, 4, 1, 1, 0, -1));
        }
        assertThat(new ShorterSideCrop(256)).isEqualTo(new ShorterSideCrop(256, CropOffset.ROUND));
    }

    @Test
    void float16_input_holds_the_float32_values_rounded_to_half_precision() {
        ImageInputSpec normalized = spec(new Stretch(), ChannelOrder.BGR, 1f / 255, List.of(0.406f, 0.456f, 0.485f),
                List.of(0.225f, 0.224f, 0.229f));
        ImagePreprocessor half = ImagePreprocessor.create(normalized, TensorSpec.of("x", DType.FLOAT16, 1, 3, 2, 3));
        ImagePreprocessor full = ImagePreprocessor.create(normalized, TensorSpec.of("x", DType.FLOAT32, 1, 3, 2, 3));

        try (PreprocessedBatch halves = half.preprocess(ramp(3, 2)); PreprocessedBatch floats = full.preprocess(ramp(3, 2))) {
            assertThat(halves.tensor().type()).isEqualTo(DType.FLOAT16);
            assertThat(halves.tensor().shape()).containsExactly(1, 3, 2, 3);
            float[] expected = floats.tensor().toFloatArray();
            short[] bits = new short[expected.length];
            halves.tensor().shortBuffer().get(bits);
            for (int i = 0; i < expected.length; i++) {
                assertThat(bits[i]).as("element %d", i).isEqualTo(Float.floatToFloat16(expected[i]));
            }
            // Not a plain cast: the blue plane of pixel (0,0) is (200/255 - 0.406) / 0.225 = 1.68139...
            assertThat(halves.tensor().getFloat(0)).isEqualTo(1.681640625f);
        }
    }

    @Test
    void declared_size_fills_dynamic_dimensions() {
        ImageInputSpec spec = new ImageInputSpec(Optional.empty(), new Stretch(), false, ChannelOrder.RGB,
                Optional.of(Layout.NHWC), Optional.empty(), Optional.of(new Size(5, 3)), 1f, List.of(0f), List.of(1f));

        ImagePreprocessor pre = ImagePreprocessor.create(spec, TensorSpec.of("x", DType.FLOAT32, -1, -1, -1, 3));

        assertThat(pre.width()).isEqualTo(5);
        assertThat(pre.height()).isEqualTo(3);
        try (PreprocessedBatch batch = pre.preprocess(solid(10, 6, 1, 2, 3))) {
            assertThat(batch.tensor().shape()).containsExactly(1, 3, 5, 3);
        }
    }

    @Test
    void create_rejects_inputs_that_do_not_fit() {
        ImageInputSpec rgb = plain(new Stretch(), ChannelOrder.RGB);
        assertThatThrownBy(() -> ImagePreprocessor.create(rgb, TensorSpec.of("x", DType.FLOAT32, 1, 490)))
                .hasMessageContaining("not a 4-D image tensor");
        assertThatThrownBy(() -> ImagePreprocessor.create(rgb, TensorSpec.of("x", DType.FLOAT32, 1, 5, 8, 7)))
                .hasMessageContaining("cannot tell the layout").hasMessageContaining("input.layout");
        ImageInputSpec grayNchw = new ImageInputSpec(Optional.empty(), new Stretch(), false, ChannelOrder.GRAY,
                Optional.of(Layout.NCHW), Optional.empty(), Optional.empty(), 1f, List.of(0f), List.of(1f));
        assertThatThrownBy(() -> ImagePreprocessor.create(grayNchw, TensorSpec.of("x", DType.FLOAT32, 1, 3, 8, 8)))
                .hasMessageContaining("has 3 channels in NCHW; input.channels = GRAY writes 1");
        assertThatThrownBy(() -> ImagePreprocessor.create(rgb, TensorSpec.of("x", DType.FLOAT32, 1, 3, -1, -1)))
                .hasMessageContaining("dynamic height or width").hasMessageContaining("input.size");
        assertThatThrownBy(() -> ImagePreprocessor.create(rgb, TensorSpec.of("x", DType.BFLOAT16, 1, 3, 8, 8)))
                .hasMessageContaining("bfloat16").hasMessageContaining("float32, float16 or uint8");
        assertThatThrownBy(() -> ImagePreprocessor.create(spec(new Stretch(), ChannelOrder.RGB, 2f, List.of(0f),
                List.of(1f)), TensorSpec.of("x", DType.UINT8, 1, 8, 8, 3))).hasMessageContaining("remove input.scale");
        assertThatThrownBy(() -> ImagePreprocessor.create(plain(new ShorterSideCrop(100), ChannelOrder.RGB),
                TensorSpec.of("x", DType.FLOAT32, 1, 3, 224, 224))).hasMessageContaining("smaller than the 224x224 crop");
    }

    @Test
    void create_picks_the_named_or_only_input() {
        ImageInputSpec anyInput = plain(new Stretch(), ChannelOrder.RGB);
        List<TensorSpec> two = List.of(TensorSpec.of("a", DType.FLOAT32, 1, 3, 4, 4), TensorSpec.of("b", DType.FLOAT32, 1, 3, 2, 2));

        assertThatThrownBy(() -> ImagePreprocessor.create(anyInput, two))
                .isInstanceOf(InferenceException.class).hasMessageContaining("declare input.name");
        ImageInputSpec named = new ImageInputSpec(Optional.of("b"), new Stretch(), false, ChannelOrder.RGB,
                Optional.empty(), Optional.empty(), Optional.empty(), 1f, List.of(0f), List.of(1f));
        assertThat(ImagePreprocessor.create(named, two).width()).isEqualTo(2);
        ImageInputSpec missing = new ImageInputSpec(Optional.of("c"), new Stretch(), false, ChannelOrder.RGB,
                Optional.empty(), Optional.empty(), Optional.empty(), 1f, List.of(0f), List.of(1f));
        assertThatThrownBy(() -> ImagePreprocessor.create(missing, two))
                .hasMessageContaining("input.name 'c' is not a model input").hasMessageContaining("a float[1,3,4,4]");
    }

    @Test
    void preprocess_rejects_a_batch_that_the_input_cannot_hold() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Stretch(), ChannelOrder.RGB),
                TensorSpec.of("x", DType.FLOAT32, 1, 3, 4, 4));

        assertThatThrownBy(() -> pre.preprocess(List.of(solid(4, 4, 0, 0, 0), solid(4, 4, 0, 0, 0))))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("batch of exactly 1 image(s); got 2");
        assertThatThrownBy(() -> pre.preprocess(List.of())).hasMessageContaining("no images");
    }

    @Test
    void closing_the_batch_closes_its_tensor() {
        ImagePreprocessor pre = ImagePreprocessor.create(plain(new Stretch(), ChannelOrder.RGB),
                TensorSpec.of("x", DType.FLOAT32, 1, 3, 4, 4));
        PreprocessedBatch batch = pre.preprocess(solid(4, 4, 0, 0, 0));

        batch.close();
        batch.close();

        assertThat(batch.tensor().isClosed()).isTrue();
        assertThatThrownBy(() -> batch.tensor().buffer()).isInstanceOf(IllegalStateException.class);
    }
}
