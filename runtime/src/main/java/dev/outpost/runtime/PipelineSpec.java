package dev.outpost.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.SortedMap;

/**
 * A model's pre- and post-processing declaration: how images become its input tensor and what its
 * outputs mean. Parsed from string properties that come from the model's ONNX {@code metadata_props}
 * (keys prefixed {@value #METADATA_PREFIX}) or from a side file {@code <model>.pipeline.properties}
 * next to the model (the same keys without the prefix).
 *
 * <h2>Keys</h2>
 * An image input is declared when any {@code input.*} key is present (write
 * {@code input.resize = stretch} to take every default). Choice values (RGB, letterbox, softmax, ...) are
 * case-insensitive; names and paths are not.
 * <pre>
 * key                          values (default)
 * input.name                   model input to feed (the model's only input)
 * input.resize                 stretch | shorter-side:&lt;n&gt; | letterbox   (stretch)
 *                                shorter-side:&lt;n&gt; keeps the aspect ratio, then center-crops to the size
 * input.crop-offset            round | floor: how an odd crop margin is split, half up (torchvision)
 *                                or down (TensorFlow central crop)   (round; shorter-side only)
 * input.antialias              false: two-tap bilinear (OpenCV INTER_LINEAR); true: PIL-style
 *                                widened filter when shrinking   (false)
 * input.letterbox.anchor       center | top-left   (center; letterbox only)
 * input.letterbox.pad          0..255 pixel value of the padding   (114; letterbox only)
 * input.size                   &lt;width&gt;x&lt;height&gt;   (the model input's spatial size)
 * input.channels               RGB | BGR | GRAY   (RGB)
 * input.layout                 NCHW | NHWC   (from the model input's shape: [?,3,h,w] is NCHW)
 * input.type                   float32 | float16 | uint8   (the model input's element type)
 * input.scale                  value = (pixel * scale - mean[c]) / std[c], pixel in 0..255   (1)
 * input.mean                   one value or one per channel, in the declared order   (0)
 * input.std                    one value or one per channel, all &gt; 0   (1)
 * task                         classification | detection | tensors   (tensors)
 * classification.output        model output with the scores (the model's only output)
 * classification.activation    softmax | none | log-softmax | sigmoid   (softmax)
 * classification.scale         multiplier on raw values before the activation   (1)
 * classification.top-k         classes reported per image   (5)
 * classification.labels        labels file: one label per line, or "wnid name, synonym" lines
 *                                (ImageNet synset.txt; the label is the first name)
 * classification.label-offset  leading outputs that are not classes, e.g. 1 for background   (0)
 * detection.format             yolox | yolov8 | ssd   (required for task = detection)
 * detection.output             yolox / yolov8: the output (the model's only output)
 * detection.scores             ssd: scores output [N,A,C+1], background at 0   (required)
 * detection.boxes              ssd: box offsets output [N,A,4]   (required)
 * detection.anchors            ssd: anchors output [N,A,4], normalized x1,y1,x2,y2   (required)
 * detection.strides            yolox: grid strides in output order   (8,16,32)
 * detection.score-threshold    0..1   (0.25)
 * detection.iou-threshold      0..1   (0.45)
 * detection.max-detections     per image   (100)
 * detection.class-wise         true: NMS per class; false: across classes   (true)
 * detection.labels             labels file, one label per line
 * </pre>
 * Relative label paths resolve against the side file's folder ({@link #fromSideFile}); in model
 * metadata they stay as written (resolved against the working directory when loaded). Unknown keys,
 * keys that the declaration does not use (e.g. {@code input.letterbox.pad} with
 * {@code input.resize = stretch}) and bad values are errors naming the key, the value and the choices.
 *
 * <h2>Examples</h2>
 * SqueezeNet 1.0 (Caffe), as a side file {@code squeezenet1.0-fp32.pipeline.properties}:
 * <pre>
 * input.resize = shorter-side:256
 * input.channels = BGR
 * input.mean = 104,117,123
 * task = classification
 * classification.activation = none
 * classification.labels = labels/imagenet-synset.txt
 * </pre>
 * YOLOX-nano, as ONNX metadata:
 * <pre>
 * outpost.pipeline.input.resize = letterbox
 * outpost.pipeline.input.letterbox.anchor = top-left
 * outpost.pipeline.input.letterbox.pad = 114
 * outpost.pipeline.input.channels = BGR
 * outpost.pipeline.task = detection
 * outpost.pipeline.detection.format = yolox
 * outpost.pipeline.detection.iou-threshold = 0.45
 * </pre>
 * A torchvision-style classifier fed uint8 NHWC:
 * <pre>
 * input.resize = shorter-side:256
 * input.layout = NHWC
 * input.type = uint8
 * task = classification
 * </pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param image how images become the model input; empty when the model takes plain tensors
 * @param output what the outputs mean
 */
public record PipelineSpec(Optional<ImageInputSpec> image, OutputSpec output) {

    /** The prefix of pipeline keys in an ONNX model's {@code metadata_props}. */
    public static final String METADATA_PREFIX = "outpost.pipeline.";

    /** The suffix of a side file: {@code model.onnx} gets {@code model.pipeline.properties}. */
    public static final String SIDE_FILE_SUFFIX = ".pipeline.properties";

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public PipelineSpec {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(output, "output");
    }

    /** Plain tensors in, plain tensors out. */
    public static PipelineSpec none() {
        return new PipelineSpec(Optional.empty(), new OutputSpec.Tensors());
    }

    /**
     * Parses un-prefixed keys (see the class documentation).
     *
     * @param properties the keys and values
     * @param baseDirOrNull folder that relative label paths resolve against, or null to keep them as written
     * @throws InferenceException with code PIPELINE naming the key, the bad value and the choices
     */
    public static PipelineSpec parse(Map<String, String> properties, Path baseDirOrNull) {
        return PipelineSpecCodec.parse(new PipelineProperties(properties, "", "(properties)"), baseDirOrNull);
    }

    /**
     * Reads a side file ({@code java.util.Properties} syntax, UTF-8); relative paths in it resolve
     * against its folder.
     *
     * @throws InferenceException PIPELINE when it cannot be read or is invalid (the message names the file)
     */
    public static PipelineSpec fromSideFile(Path sideFile) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(sideFile, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new InferenceException(InferenceException.Code.PIPELINE,
                    "Cannot read pipeline side file " + sideFile + ": " + e.getMessage(), e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(key -> values.put(key, properties.getProperty(key)));
        Path folder = sideFile.toAbsolutePath().getParent();
        return PipelineSpecCodec.parse(new PipelineProperties(values, "", sideFile.toString()), folder);
    }

    /** The side file that belongs to a model file: {@code dir/model.onnx -> dir/model.pipeline.properties}. */
    public static Path sideFileOf(Path modelFile) {
        String name = modelFile.getFileName().toString();
        String stem = name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
        return modelFile.resolveSibling(stem + SIDE_FILE_SUFFIX);
    }

    /**
     * Parses the {@value #METADATA_PREFIX} keys of a model's {@code metadata_props}; other keys are
     * ignored. Without any such key the result is {@link #none()}.
     *
     * @throws InferenceException PIPELINE naming the prefixed key, the bad value and the choices
     */
    public static PipelineSpec fromModelMetadata(Map<String, String> metadata) {
        Map<String, String> values = new LinkedHashMap<>();
        metadata.forEach((key, value) -> {
            if (key.startsWith(METADATA_PREFIX)) {
                values.put(key.substring(METADATA_PREFIX.length()), value);
            }
        });
        return PipelineSpecCodec.parse(new PipelineProperties(values, METADATA_PREFIX, "(model metadata)"), null);
    }

    /** The un-prefixed keys that {@link #parse} turns back into an equal spec (sorted by key). */
    public SortedMap<String, String> toProperties() {
        return PipelineSpecCodec.toProperties(this);
    }

    /** {@link #toProperties()} with the {@value #METADATA_PREFIX} prefix, for ONNX {@code metadata_props}. */
    public SortedMap<String, String> toModelMetadata() {
        SortedMap<String, String> prefixed = new java.util.TreeMap<>();
        toProperties().forEach((key, value) -> prefixed.put(METADATA_PREFIX + key, value));
        return prefixed;
    }
}
