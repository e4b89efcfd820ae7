package dev.outpost.runtime;

import dev.outpost.runtime.ImageInputSpec.ChannelOrder;
import dev.outpost.runtime.ImageInputSpec.Layout;
import dev.outpost.runtime.ImageInputSpec.Letterbox;
import dev.outpost.runtime.ImageInputSpec.ShorterSideCrop;
import dev.outpost.runtime.ImageInputSpec.Stretch;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns decoded {@link Image}s into a model's input tensor as an {@link ImageInputSpec} declares:
 * resize (stretch, shorter side + center crop, or letterbox), channel order, then one pass that writes
 * the normalized values into the tensor's direct buffer in NCHW or NHWC, float32, float16 or uint8.
 * Float16 values are the float32 values rounded to nearest-even ({@link Float#floatToFloat16}).
 *
 * <p>Immutable and thread-safe: each {@link #preprocess} call allocates its own tensor.
 */
public final class ImagePreprocessor {

    private final ImageInputSpec spec;
    private final String inputName;
    private final Layout layout;
    private final DType type;
    private final int width;
    private final int height;
    private final long fixedBatch;
    /** Per output channel: the normalized value of each 0..255 pixel value. */
    private final float[][] lookup;

    private ImagePreprocessor(ImageInputSpec spec, String inputName, Layout layout, DType type,
            int width, int height, long fixedBatch) {
        this.spec = spec;
        this.inputName = inputName;
        this.layout = layout;
        this.type = type;
        this.width = width;
        this.height = height;
        this.fixedBatch = fixedBatch;
        int channels = spec.channels().count();
        this.lookup = new float[channels][256];
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < 256; p++) {
                lookup[c][p] = (p * spec.scale() - spec.meanOf(c)) / spec.stdOf(c);
            }
        }
    }

    /**
     * A preprocessor for the input that {@code spec} names, or the model's only input.
     *
     * @throws InferenceException PIPELINE when the input does not exist, is ambiguous, or does not fit
     *     the spec (see {@link #create(ImageInputSpec, TensorSpec)})
     */
    public static ImagePreprocessor create(ImageInputSpec spec, List<TensorSpec> modelInputs) {
        if (spec.name().isPresent()) {
            String wanted = spec.name().get();
            return modelInputs.stream().filter(input -> input.name().equals(wanted)).findFirst()
                    .map(input -> create(spec, input))
                    .orElseThrow(() -> fail("input.name '" + wanted + "' is not a model input; the inputs are "
                            + modelInputs.stream().map(TensorSpec::toString).toList()));
        }
        if (modelInputs.size() != 1) {
            throw fail("the model has " + modelInputs.size() + " inputs " + modelInputs.stream()
                    .map(TensorSpec::name).toList() + "; declare input.name to choose the image input");
        }
        return create(spec, modelInputs.getFirst());
    }

    /**
     * A preprocessor for the given model input. Layout, element type and size that the spec leaves
     * open are taken from {@code modelInput}.
     *
     * @throws InferenceException PIPELINE when the input is not a 4-D float32/uint8 tensor whose
     *     channel count and type fit the spec, or its size is dynamic and not declared
     */
    public static ImagePreprocessor create(ImageInputSpec spec, TensorSpec modelInput) {
        long[] shape = modelInput.shapeArray();
        int channels = spec.channels().count();
        if (shape.length != 4) {
            throw fail("input " + modelInput + " is not a 4-D image tensor; expected [N,C,H,W] or [N,H,W,C]");
        }
        Layout layout = spec.layout().orElseGet(() -> {
            if (shape[1] == channels) {
                return Layout.NCHW;
            }
            if (shape[3] == channels) {
                return Layout.NHWC;
            }
            throw fail("cannot tell the layout of input " + modelInput + " for " + channels + " "
                    + spec.channels() + " channel(s); declare input.layout = NCHW or NHWC");
        });
        int channelAxis = layout == Layout.NCHW ? 1 : 3;
        if (shape[channelAxis] >= 0 && shape[channelAxis] != channels) {
            throw fail("input " + modelInput + " has " + shape[channelAxis] + " channels in " + layout
                    + "; input.channels = " + spec.channels() + " writes " + channels);
        }
        DType modelType = modelInput.type();
        DType type = spec.elementType().orElse(modelType);
        if (!ImageInputSpec.SUPPORTED_TYPES.contains(type)) {
            throw fail("input " + modelInput + " is " + modelType.onnxName()
                    + "; image pipelines write float32, float16 or uint8");
        }
        if (type != modelType) {
            throw fail("input.type = " + type.onnxName() + " but input " + modelInput + " is " + modelType.onnxName());
        }
        if (type == DType.UINT8 && !spec.isIdentityNormalization()) {
            throw fail("input " + modelInput + " is uint8, which holds raw pixels; remove input.scale/mean/std"
                    + " (got scale " + spec.scale() + ", mean " + spec.mean() + ", std " + spec.std() + ")");
        }
        int heightAxis = layout == Layout.NCHW ? 2 : 1;
        int width;
        int height;
        if (spec.size().isPresent()) {
            width = spec.size().get().width();
            height = spec.size().get().height();
            checkDim(modelInput, shape[heightAxis + 1], width, "width");
            checkDim(modelInput, shape[heightAxis], height, "height");
        } else if (shape[heightAxis] > 0 && shape[heightAxis + 1] > 0) {
            height = Math.toIntExact(shape[heightAxis]);
            width = Math.toIntExact(shape[heightAxis + 1]);
        } else {
            throw fail("input " + modelInput + " has a dynamic height or width; declare input.size = <w>x<h>");
        }
        if (spec.resize() instanceof ShorterSideCrop crop && crop.shorterSide() < Math.max(width, height)) {
            throw fail("input.resize = shorter-side:" + crop.shorterSide() + " is smaller than the "
                    + width + "x" + height + " crop of input " + modelInput.name());
        }
        return new ImagePreprocessor(spec, modelInput.name(), layout, type, width, height, shape[0]);
    }

    private static void checkDim(TensorSpec input, long modelDim, int declared, String what) {
        if (modelDim >= 0 && modelDim != declared) {
            throw fail("input.size " + what + " " + declared + " does not match input " + input);
        }
    }

    /** The model input this preprocessor feeds. */
    public String inputName() {
        return inputName;
    }

    /** Target width in pixels. */
    public int width() {
        return width;
    }

    /** Target height in pixels. */
    public int height() {
        return height;
    }

    /** The resolved layout. */
    public Layout layout() {
        return layout;
    }

    /**
     * The number of images one input tensor must hold: the model's fixed batch size, or -1 when the
     * batch dimension is dynamic (any number of images).
     */
    public long fixedBatch() {
        return fixedBatch;
    }

    /** The resolved element type (FLOAT32, FLOAT16 or UINT8). */
    public DType elementType() {
        return type;
    }

    /** Preprocesses one image into a batch of one. */
    public PreprocessedBatch preprocess(Image image) {
        return preprocess(List.of(image));
    }

    /**
     * Preprocesses images into one batch tensor, in order.
     *
     * @throws InferenceException PIPELINE when the list is empty or its size does not fit a fixed batch dimension
     */
    public PreprocessedBatch preprocess(List<Image> images) {
        if (images.isEmpty()) {
            throw fail("no images to preprocess for input " + inputName);
        }
        if (fixedBatch >= 0 && fixedBatch != images.size()) {
            throw fail("input " + inputName + " takes a batch of exactly " + fixedBatch + " image(s); got "
                    + images.size());
        }
        int channels = spec.channels().count();
        long[] shape = layout == Layout.NCHW
                ? new long[] {images.size(), channels, height, width}
                : new long[] {images.size(), height, width, channels};
        Tensor tensor = Tensor.allocate(type, shape);
        List<ImageTransform> transforms = new ArrayList<>(images.size());
        int perImage = channels * width * height;
        ByteBuffer bytes = tensor.buffer();
        FloatBuffer floats = type == DType.FLOAT32 ? bytes.asFloatBuffer() : null;
        ShortBuffer halves = type == DType.FLOAT16 ? bytes.asShortBuffer() : null;
        for (int n = 0; n < images.size(); n++) {
            Image image = images.get(n);
            Placed placed = place(image);
            transforms.add(placed.transform());
            if (floats != null) {
                floats.put(n * perImage, normalize(placed.rgb()));
            } else if (halves != null) {
                halves.put(n * perImage, toFloat16(normalize(placed.rgb())));
            } else {
                bytes.put(n * perImage, reorder(placed.rgb()));
            }
        }
        return new PreprocessedBatch(inputName, tensor, transforms);
    }

    /** The image resized and placed on the target canvas (RGB, target size), with its transform. */
    record Placed(byte[] rgb, ImageTransform transform) { }

    Placed place(Image image) {
        int srcW = image.width();
        int srcH = image.height();
        byte[] src = image.pixels();
        return switch (spec.resize()) {
            case Stretch stretch -> new Placed(
                    Resampler.resize(src, srcW, srcH, 3, width, height, 0, 0, width, height, spec.antialias()),
                    new ImageTransform(srcW, srcH, width, height, (double) width / srcW, (double) height / srcH, 0, 0));
            case ShorterSideCrop crop -> {
                int resizedW;
                int resizedH;
                if (srcW <= srcH) {
                    resizedW = crop.shorterSide();
                    resizedH = Math.max(1, (int) ((long) crop.shorterSide() * srcH / srcW));
                } else {
                    resizedH = crop.shorterSide();
                    resizedW = Math.max(1, (int) ((long) crop.shorterSide() * srcW / srcH));
                }
                int left = crop.cropStart(resizedW, width);
                int top = crop.cropStart(resizedH, height);
                yield new Placed(Resampler.resize(src, srcW, srcH, 3, resizedW, resizedH, left, top, width, height, spec.antialias()),
                        new ImageTransform(srcW, srcH, width, height, (double) resizedW / srcW,
                                (double) resizedH / srcH, -left, -top));
            }
            case Letterbox box -> letterbox(image, box);
        };
    }

    private Placed letterbox(Image image, Letterbox box) {
        int srcW = image.width();
        int srcH = image.height();
        double ratio = Math.min((double) width / srcW, (double) height / srcH);
        int newW = Math.clamp((long) Math.floor(srcW * ratio + 1e-9), 1, width);
        int newH = Math.clamp((long) Math.floor(srcH * ratio + 1e-9), 1, height);
        int left = box.anchor() == ImageInputSpec.Anchor.CENTER ? (width - newW) / 2 : 0;
        int top = box.anchor() == ImageInputSpec.Anchor.CENTER ? (height - newH) / 2 : 0;
        byte[] resized = Resampler.resize(image.pixels(), srcW, srcH, 3, newW, newH, 0, 0, newW, newH, spec.antialias());
        byte[] canvas = new byte[width * height * 3];
        Arrays.fill(canvas, (byte) box.padValue());
        for (int y = 0; y < newH; y++) {
            System.arraycopy(resized, y * newW * 3, canvas, ((top + y) * width + left) * 3, newW * 3);
        }
        return new Placed(canvas, new ImageTransform(srcW, srcH, width, height, (double) newW / srcW,
                (double) newH / srcH, left, top));
    }

    /** Placed RGB bytes to normalized floats in the tensor's layout and channel order. */
    private float[] normalize(byte[] rgb) {
        int pixels = width * height;
        ChannelOrder order = spec.channels();
        int channels = order.count();
        float[] out = new float[pixels * channels];
        if (order == ChannelOrder.GRAY) {
            float[] table = lookup[0];
            for (int p = 0, i = 0; p < pixels; p++, i += 3) {
                out[p] = table[luma(rgb, i)];
            }
            return out;
        }
        int first = order == ChannelOrder.RGB ? 0 : 2;
        int last = 2 - first;
        float[] table0 = lookup[0];
        float[] table1 = lookup[1];
        float[] table2 = lookup[2];
        if (layout == Layout.NCHW) {
            for (int p = 0, i = 0; p < pixels; p++, i += 3) {
                out[p] = table0[rgb[i + first] & 0xff];
                out[pixels + p] = table1[rgb[i + 1] & 0xff];
                out[2 * pixels + p] = table2[rgb[i + last] & 0xff];
            }
        } else {
            for (int i = 0; i < out.length; i += 3) {
                out[i] = table0[rgb[i + first] & 0xff];
                out[i + 1] = table1[rgb[i + 1] & 0xff];
                out[i + 2] = table2[rgb[i + last] & 0xff];
            }
        }
        return out;
    }

    private static short[] toFloat16(float[] values) {
        short[] halves = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            halves[i] = Float.floatToFloat16(values[i]);
        }
        return halves;
    }

    /** Placed RGB bytes to raw uint8 values in the tensor's layout and channel order. */
    private byte[] reorder(byte[] rgb) {
        int pixels = width * height;
        ChannelOrder order = spec.channels();
        if (order == ChannelOrder.GRAY) {
            byte[] out = new byte[pixels];
            for (int p = 0, i = 0; p < pixels; p++, i += 3) {
                out[p] = (byte) luma(rgb, i);
            }
            return out;
        }
        if (order == ChannelOrder.RGB && layout == Layout.NHWC) {
            return rgb;
        }
        int first = order == ChannelOrder.RGB ? 0 : 2;
        int last = 2 - first;
        byte[] out = new byte[pixels * 3];
        for (int p = 0, i = 0; p < pixels; p++, i += 3) {
            if (layout == Layout.NCHW) {
                out[p] = rgb[i + first];
                out[pixels + p] = rgb[i + 1];
                out[2 * pixels + p] = rgb[i + last];
            } else {
                out[i] = rgb[i + first];
                out[i + 1] = rgb[i + 1];
                out[i + 2] = rgb[i + last];
            }
        }
        return out;
    }

    /** ITU-R 601 luma, rounded; exact for gray pixels. */
    private static int luma(byte[] rgb, int i) {
        int value = (299 * (rgb[i] & 0xff) + 587 * (rgb[i + 1] & 0xff) + 114 * (rgb[i + 2] & 0xff) + 500) / 1000;
        return Math.min(value, 255);
    }

    private static InferenceException fail(String message) {
        return new InferenceException(InferenceException.Code.PIPELINE, message);
    }

    @Override
    public String toString() {
        return "ImagePreprocessor[" + inputName + " " + type.onnxName() + " " + layout + " " + width + "x" + height
                + ", " + spec.resize() + ", " + spec.channels() + "]";
    }
}
