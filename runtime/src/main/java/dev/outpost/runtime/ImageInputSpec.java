package dev.outpost.runtime;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How images become a model's input tensor: resize mode, channel order, layout, element type and
 * normalization. Part of a {@link PipelineSpec}; the keys that declare it are documented there.
 *
 * <p>Each output value is {@code (pixel * scale - mean[c]) / std[c]}, where {@code pixel} is 0..255
 * and {@code c} counts channels in the declared {@link #channels() channel order}. Fields left empty
 * ({@link #name()}, {@link #layout()}, {@link #elementType()}, {@link #size()}) are taken from the
 * model's input {@link TensorSpec} when the {@link ImagePreprocessor} is created.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the model input to feed; empty means the model's only input
 * @param resize how the image is brought to the model's size
 * @param antialias false: two-tap bilinear like OpenCV {@code INTER_LINEAR}; true: when shrinking,
 *     the filter is widened by the shrink factor like PIL / torchvision (same result when enlarging)
 * @param channels channel order (or grayscale) of the tensor
 * @param layout NCHW or NHWC; empty means inferred from the model input's shape
 * @param elementType FLOAT32, FLOAT16 or UINT8; empty means the model input's type
 * @param size target width and height; empty means the model input's spatial size
 * @param scale multiplier applied to each 0..255 pixel value first
 * @param mean one value, or one per channel, subtracted after scaling
 * @param std one value, or one per channel, divided by last (all &gt; 0)
 */
public record ImageInputSpec(Optional<String> name, Resize resize, boolean antialias, ChannelOrder channels,
        Optional<Layout> layout, Optional<DType> elementType, Optional<Size> size,
        float scale, List<Float> mean, List<Float> std) {

    /** The element types an image input can have. */
    static final java.util.Set<DType> SUPPORTED_TYPES = java.util.EnumSet.of(DType.FLOAT32, DType.FLOAT16, DType.UINT8);

    /** Channel order of the input tensor. */
    public enum ChannelOrder {
        /** Red, green, blue. */
        RGB,
        /** Blue, green, red (Caffe and OpenCV models). */
        BGR,
        /** One luma channel (ITU-R 601: 0.299 R + 0.587 G + 0.114 B, rounded). */
        GRAY;

        /** Number of channels: 3, or 1 for {@link #GRAY}. */
        public int count() {
            return this == GRAY ? 1 : 3;
        }
    }

    /** Memory layout of a 4-D image tensor. */
    public enum Layout {
        /** Batch, channel, height, width. */
        NCHW,
        /** Batch, height, width, channel. */
        NHWC
    }

    /** Where a letterboxed image is placed inside the padded target. */
    public enum Anchor {
        /** Image at the top-left corner; padding right and bottom (YOLOX). */
        TOP_LEFT,
        /** Image centered; padding split evenly (the extra pixel goes right/bottom). */
        CENTER
    }

    /**
     * A target width and height in pixels.
     *
     * @param width pixels, &gt; 0
     * @param height pixels, &gt; 0
     */
    public record Size(int width, int height) {
        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public Size {
            if (width <= 0 || height <= 0) {
                throw new IllegalArgumentException("Size " + width + "x" + height + " is invalid; both must be > 0");
            }
        }

        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /** How an image is brought to the target size. */
    public sealed interface Resize permits ShorterSideCrop, Stretch, Letterbox { }

    /**
     * How the left and top offsets of a centered crop, {@code (resized - target) / 2}, are rounded
     * when the difference is odd.
     */
    public enum CropOffset {
        /** Half up: {@code round((resized - target) / 2)}, as torchvision's CenterCrop (the default). */
        ROUND,
        /** Down: {@code (resized - target) / 2} in integers, as TensorFlow's central crop. */
        FLOOR
    }

    /**
     * Resize (keeping the aspect ratio) so the shorter side is {@code shorterSide} pixels, then take
     * the centered crop of the target size. The longer side is {@code floor(shorterSide * long / short)}.
     *
     * @param shorterSide pixels, &gt; 0
     * @param offset how the crop offsets are rounded
     */
    public record ShorterSideCrop(int shorterSide, CropOffset offset) implements Resize {
        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public ShorterSideCrop {
            Objects.requireNonNull(offset, "offset");
            if (shorterSide <= 0) {
                throw new IllegalArgumentException("shorter side " + shorterSide + " must be > 0");
            }
        }

        /** A crop whose offsets round half up ({@link CropOffset#ROUND}). */
        public ShorterSideCrop(int shorterSide) {
            this(shorterSide, CropOffset.ROUND);
        }

        /** The left (or top) offset of the centered crop of {@code target} pixels out of {@code resized}. */
        int cropStart(int resized, int target) {
            return offset == CropOffset.FLOOR ? (resized - target) / 2 : (int) Math.round((resized - target) / 2.0);
        }
    }

    /** Resize width and height independently to the target size (aspect ratio not kept). */
    public record Stretch() implements Resize { }

    /**
     * Scale by {@code r = min(targetW / w, targetH / h)} keeping the aspect ratio, place the result at
     * {@code anchor}, and fill the rest with {@code padValue} in every channel.
     *
     * @param anchor where the image goes
     * @param padValue the 0..255 pixel value of the padding (before normalization)
     */
    public record Letterbox(Anchor anchor, int padValue) implements Resize {
        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public Letterbox {
            Objects.requireNonNull(anchor, "anchor");
            if (padValue < 0 || padValue > 255) {
                throw new IllegalArgumentException("letterbox pad value " + padValue + " must be in 0..255");
            }
        }
    }

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public ImageInputSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(resize, "resize");
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(size, "size");
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (elementType.isPresent() && !SUPPORTED_TYPES.contains(elementType.get())) {
            throw new IllegalArgumentException("image element type " + elementType.get()
                    + " is not supported; expected FLOAT32, FLOAT16 or UINT8");
        }
        if (!Float.isFinite(scale) || scale == 0f) {
            throw new IllegalArgumentException("scale " + scale + " must be finite and non-zero");
        }
        checkPerChannel("mean", mean, channels);
        checkPerChannel("std", std, channels);
        for (float value : std) {
            if (!(value > 0f) || !Float.isFinite(value)) {
                throw new IllegalArgumentException("std " + std + " must be finite and > 0 in every channel");
            }
        }
        for (float value : mean) {
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException("mean " + mean + " must be finite");
            }
        }
    }

    /** An RGB, stretch-resized input with no normalization; everything else from the model. */
    public static ImageInputSpec defaults() {
        return new ImageInputSpec(Optional.empty(), new Stretch(), false, ChannelOrder.RGB, Optional.empty(),
                Optional.empty(), Optional.empty(), 1f, List.of(0f), List.of(1f));
    }

    /** True when values are written unchanged (scale 1, mean 0, std 1). */
    public boolean isIdentityNormalization() {
        return scale == 1f && mean.stream().allMatch(m -> m == 0f) && std.stream().allMatch(s -> s == 1f);
    }

    /** The mean of channel {@code channel} (a single value applies to every channel). */
    float meanOf(int channel) {
        return mean.size() == 1 ? mean.get(0) : mean.get(channel);
    }

    /** The std of channel {@code channel} (a single value applies to every channel). */
    float stdOf(int channel) {
        return std.size() == 1 ? std.get(0) : std.get(channel);
    }

    private static void checkPerChannel(String what, List<Float> values, ChannelOrder channels) {
        if (values.size() != 1 && values.size() != channels.count()) {
            throw new IllegalArgumentException(what + " " + values + " has " + values.size()
                    + " values; expected 1 or " + channels.count() + " (one per " + channels + " channel)");
        }
    }
}
