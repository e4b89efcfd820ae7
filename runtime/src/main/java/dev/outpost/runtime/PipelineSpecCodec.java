package dev.outpost.runtime;

import dev.outpost.runtime.ClassificationSpec.Activation;
import dev.outpost.runtime.DetectionSpec.Format;
import dev.outpost.runtime.ImageInputSpec.Anchor;
import dev.outpost.runtime.ImageInputSpec.ChannelOrder;
import dev.outpost.runtime.ImageInputSpec.CropOffset;
import dev.outpost.runtime.ImageInputSpec.Layout;
import dev.outpost.runtime.ImageInputSpec.Letterbox;
import dev.outpost.runtime.ImageInputSpec.Resize;
import dev.outpost.runtime.ImageInputSpec.ShorterSideCrop;
import dev.outpost.runtime.ImageInputSpec.Size;
import dev.outpost.runtime.ImageInputSpec.Stretch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Turns pipeline properties into a {@link PipelineSpec} and back. Stateless. */
final class PipelineSpecCodec {

    static final Set<String> KEYS = new LinkedHashSet<>(List.of(
            "input.name", "input.resize", "input.crop-offset", "input.antialias", "input.letterbox.anchor", "input.letterbox.pad", "input.size",
            "input.channels", "input.layout", "input.type", "input.scale", "input.mean", "input.std",
            "task",
            "classification.output", "classification.activation", "classification.scale",
            "classification.top-k", "classification.labels", "classification.label-offset",
            "detection.format", "detection.output", "detection.scores", "detection.boxes", "detection.anchors",
            "detection.strides", "detection.score-threshold", "detection.iou-threshold",
            "detection.max-detections", "detection.class-wise", "detection.labels"));

    private static final Map<String, String> TASKS = ordered("classification", "detection", "tensors");
    private static final float BIG = Float.MAX_VALUE;

    private PipelineSpecCodec() {
    }

    static PipelineSpec parse(PipelineProperties props, Path baseDir) {
        Optional<ImageInputSpec> image = props.hasAnyStartingWith("input.")
                ? Optional.of(parseImage(props)) : Optional.empty();
        String task = props.choice("task", TASKS, "tensors");
        OutputSpec output;
        try {
            output = switch (task) {
                case "classification" -> parseClassification(props, baseDir);
                case "detection" -> parseDetection(props, baseDir);
                default -> new OutputSpec.Tensors();
            };
        } catch (IllegalArgumentException e) {
            throw props.invalid(e.getMessage(), e);
        }
        props.rejectUnknown(KEYS);
        return new PipelineSpec(image, output);
    }

    private static ImageInputSpec parseImage(PipelineProperties props) {
        Optional<String> name = props.string("input.name");
        Resize resize = parseResize(props);
        boolean antialias = props.bool("input.antialias", false);
        ChannelOrder channels = props.choice("input.channels", enumChoices(ChannelOrder.values(), false),
                ChannelOrder.RGB);
        Optional<Layout> layout = Optional.ofNullable(
                props.choice("input.layout", enumChoices(Layout.values(), false), null));
        Optional<DType> type = Optional.ofNullable(
                props.choice("input.type", elementTypes(), null));
        Optional<Size> size = props.string("input.size").map(text -> parseSize(props, text));
        float scale = props.number("input.scale", 1f, -BIG, BIG);
        List<Float> mean = props.numbers("input.mean", List.of(0f), -BIG, BIG);
        List<Float> std = props.numbers("input.std", List.of(1f), Float.MIN_VALUE, BIG);
        if (scale == 0f) {
            throw props.error("input.scale", "0", "a non-zero number");
        }
        for (String key : List.of("input.mean", "input.std")) {
            List<Float> values = key.equals("input.mean") ? mean : std;
            if (values.size() != 1 && values.size() != channels.count()) {
                throw props.error(key, props.string(key).orElse(""), "1 value or " + channels.count()
                        + " comma-separated values (one per " + channels + " channel)");
            }
        }
        try {
            return new ImageInputSpec(name, resize, antialias, channels, layout, type, size, scale, mean, std);
        } catch (IllegalArgumentException e) {
            throw props.invalid(e.getMessage(), e);
        }
    }

    private static Resize parseResize(PipelineProperties props) {
        String text = props.string("input.resize").orElse("stretch");
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        String expected = "stretch, letterbox or shorter-side:<pixels>";
        if (lower.equals("stretch")) {
            return new Stretch();
        }
        if (lower.equals("letterbox")) {
            Anchor anchor = props.choice("input.letterbox.anchor", enumChoices(Anchor.values(), true), Anchor.CENTER);
            int pad = props.integer("input.letterbox.pad", 114, 0, 255);
            return new Letterbox(anchor, pad);
        }
        if (lower.startsWith("shorter-side:")) {
            int shorterSide = props.parseInt("input.resize", text.substring("shorter-side:".length()), 1, 1 << 16);
            CropOffset offset = props.choice("input.crop-offset", enumChoices(CropOffset.values(), true),
                    CropOffset.ROUND);
            return new ShorterSideCrop(shorterSide, offset);
        }
        throw props.error("input.resize", text, expected);
    }

    private static Size parseSize(PipelineProperties props, String text) {
        String[] parts = text.toLowerCase(java.util.Locale.ROOT).split("x", -1);
        if (parts.length != 2) {
            throw props.error("input.size", text, "<width>x<height>, e.g. 224x224");
        }
        return new Size(props.parseInt("input.size", parts[0], 1, 1 << 16),
                props.parseInt("input.size", parts[1], 1, 1 << 16));
    }

    private static ClassificationSpec parseClassification(PipelineProperties props, Path baseDir) {
        return new ClassificationSpec(
                props.string("classification.output"),
                props.choice("classification.activation", enumChoices(Activation.values(), true), Activation.SOFTMAX),
                props.integer("classification.top-k", 5, 1, Integer.MAX_VALUE),
                props.path("classification.labels", baseDir),
                props.integer("classification.label-offset", 0, 0, Integer.MAX_VALUE),
                props.number("classification.scale", 1f, -BIG, BIG));
    }

    private static DetectionSpec parseDetection(PipelineProperties props, Path baseDir) {
        Format format = props.choice("detection.format", enumChoices(Format.values(), true), null);
        if (format == null) {
            throw props.error("detection.format", "", "yolox, yolov8 or ssd (required for task = detection)");
        }
        boolean ssd = format == Format.SSD;
        List<Integer> strides = DetectionSpec.DEFAULT_STRIDES;
        if (format == Format.YOLOX) {
            Optional<String> text = props.string("detection.strides");
            if (text.isPresent()) {
                strides = new ArrayList<>();
                for (String part : text.get().split(",", -1)) {
                    strides.add(props.parseInt("detection.strides", part, 1, 4096));
                }
            }
        }
        return new DetectionSpec(format,
                ssd ? Optional.empty() : props.string("detection.output"),
                ssd ? props.string("detection.scores") : Optional.empty(),
                ssd ? props.string("detection.boxes") : Optional.empty(),
                ssd ? props.string("detection.anchors") : Optional.empty(),
                strides,
                props.number("detection.score-threshold", 0.25f, 0f, 1f),
                props.number("detection.iou-threshold", 0.45f, 0f, 1f),
                props.integer("detection.max-detections", 100, 1, Integer.MAX_VALUE),
                props.bool("detection.class-wise", true),
                props.path("detection.labels", baseDir));
    }

    static SortedMap<String, String> toProperties(PipelineSpec spec) {
        SortedMap<String, String> out = new TreeMap<>();
        spec.image().ifPresent(image -> {
            image.name().ifPresent(name -> out.put("input.name", name));
            switch (image.resize()) {
                case Stretch stretch -> out.put("input.resize", "stretch");
                case ShorterSideCrop crop -> {
                    out.put("input.resize", "shorter-side:" + crop.shorterSide());
                    out.put("input.crop-offset", PipelineProperties.lower(crop.offset()));
                }
                case Letterbox box -> {
                    out.put("input.resize", "letterbox");
                    out.put("input.letterbox.anchor", PipelineProperties.lower(box.anchor()));
                    out.put("input.letterbox.pad", Integer.toString(box.padValue()));
                }
            }
            out.put("input.antialias", Boolean.toString(image.antialias()));
            out.put("input.channels", image.channels().name());
            image.layout().ifPresent(layout -> out.put("input.layout", layout.name()));
            image.elementType().ifPresent(type -> out.put("input.type", elementTypeName(type)));
            image.size().ifPresent(size -> out.put("input.size", size.toString()));
            out.put("input.scale", number(image.scale()));
            out.put("input.mean", numbers(image.mean()));
            out.put("input.std", numbers(image.std()));
        });
        switch (spec.output()) {
            case OutputSpec.Tensors tensors -> out.put("task", "tensors");
            case ClassificationSpec cls -> {
                out.put("task", "classification");
                cls.output().ifPresent(name -> out.put("classification.output", name));
                out.put("classification.activation", PipelineProperties.lower(cls.activation()));
                out.put("classification.scale", number(cls.scale()));
                out.put("classification.top-k", Integer.toString(cls.topK()));
                cls.labels().ifPresent(path -> out.put("classification.labels", path.toString()));
                out.put("classification.label-offset", Integer.toString(cls.labelOffset()));
            }
            case DetectionSpec det -> {
                out.put("task", "detection");
                out.put("detection.format", PipelineProperties.lower(det.format()));
                det.output().ifPresent(name -> out.put("detection.output", name));
                det.scoresOutput().ifPresent(name -> out.put("detection.scores", name));
                det.boxesOutput().ifPresent(name -> out.put("detection.boxes", name));
                det.anchorsOutput().ifPresent(name -> out.put("detection.anchors", name));
                if (det.format() == Format.YOLOX) {
                    out.put("detection.strides", det.strides().stream().map(String::valueOf)
                            .collect(Collectors.joining(",")));
                }
                out.put("detection.score-threshold", number(det.scoreThreshold()));
                out.put("detection.iou-threshold", number(det.iouThreshold()));
                out.put("detection.max-detections", Integer.toString(det.maxDetections()));
                out.put("detection.class-wise", Boolean.toString(det.classWise()));
                det.labels().ifPresent(path -> out.put("detection.labels", path.toString()));
            }
        }
        return out;
    }

    private static String number(float value) {
        return value == Math.rint(value) && Math.abs(value) < 1e7f ? Long.toString((long) value) : Float.toString(value);
    }

    private static String numbers(List<Float> values) {
        return values.stream().map(PipelineSpecCodec::number).collect(Collectors.joining(","));
    }

    /** Choices keyed by how users write them: NCHW / RGB as upper case, others lower-dashed. */
    private static <E extends Enum<E>> Map<String, E> enumChoices(E[] values, boolean lowerDashed) {
        Map<String, E> choices = new LinkedHashMap<>();
        for (E value : values) {
            choices.put(lowerDashed ? PipelineProperties.lower(value) : value.name(), value);
        }
        return choices;
    }

    private static Map<String, String> ordered(String... values) {
        Map<String, String> choices = new LinkedHashMap<>();
        for (String value : values) {
            choices.put(value, value);
        }
        return choices;
    }

    /** The element types an image input can have, by the names users write. */
    private static Map<String, DType> elementTypes() {
        Map<String, DType> choices = new LinkedHashMap<>();
        choices.put("float32", DType.FLOAT32);
        choices.put("float16", DType.FLOAT16);
        choices.put("uint8", DType.UINT8);
        return choices;
    }

    private static String elementTypeName(DType type) {
        return elementTypes().entrySet().stream().filter(entry -> entry.getValue() == type).findFirst()
                .orElseThrow().getKey();
    }
}
