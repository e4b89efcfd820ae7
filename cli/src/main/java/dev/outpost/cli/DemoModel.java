package dev.outpost.cli;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.TensorData;
import dev.outpost.model.ValueInfo;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * The model Outpost builds itself when no models folder is around, so {@code outpost demo} works on
 * any fresh machine: a small, hand-weighted colour classifier (red, green or blue dominant) built
 * through Outpost's own graph API, with its pipeline declaration, labels and a few generated test
 * images whose right answers are known.
 *
 * <p>The graph: image [1,3,32,32] (RGB / 255) -> GlobalAveragePool -> Flatten -> Gemm (3x3 weights:
 * +8 on the diagonal, -4 elsewhere) -> Softmax, so the class whose mean channel value stands out wins.
 */
final class DemoModel {

    static final String MODEL_FILE = "outpost-colors.onnx";
    private static final List<String> LABELS = List.of("red", "green", "blue");

    private DemoModel() {
    }

    /** What {@link #writeTo} produced. */
    record Files(Path model, List<Path> images, Map<String, String> expected) {
    }

    /** Writes the model, its side file, labels and six PNG images into {@code dir}. */
    static Files writeTo(Path dir, String version) throws IOException {
        Path model = dir.resolve(MODEL_FILE);
        build(version).write(model);
        java.nio.file.Files.writeString(dir.resolve("colors.txt"), String.join("\n", LABELS) + "\n");
        java.nio.file.Files.writeString(dir.resolve(MODEL_FILE.replace(".onnx", ".pipeline.properties")), """
                # Pipeline of the demo colour classifier (see 'outpost help predict').
                input.resize = stretch
                input.channels = RGB
                input.layout = NCHW
                input.scale = 0.00392156862745098
                task = classification
                classification.activation = none
                classification.top-k = 3
                classification.labels = colors.txt
                """);
        Map<String, String> expected = new LinkedHashMap<>();
        List<Path> images = new ArrayList<>();
        int[][] colours = {{200, 30, 40}, {40, 180, 60}, {30, 60, 210}, {240, 110, 70}, {20, 120, 40}, {90, 160, 240}};
        String[] names = {"crimson", "lime", "navy", "tomato", "forest", "sky"};
        Random random = new Random(7);
        for (int i = 0; i < colours.length; i++) {
            Path image = dir.resolve(names[i] + ".png");
            writeNoisyImage(image, colours[i], random);
            images.add(image);
            expected.put(image.getFileName().toString(), LABELS.get(dominant(colours[i])));
        }
        return new Files(model, images, expected);
    }

    static OnnxModel build(String version) {
        OnnxModel model = OnnxModel.create("outpost_colors", 17);
        model.setProducer("outpost", version);
        model.setDocString("Demo colour classifier built by Outpost itself: red, green or blue dominant.");
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("image", ElementType.FLOAT, 1, 3, 32, 32));
        float[] weights = new float[9];
        for (int in = 0; in < 3; in++) {
            for (int out = 0; out < 3; out++) {
                weights[in * 3 + out] = in == out ? 8f : -4f;
            }
        }
        graph.addInitializer("weights", TensorData.ofFloats(weights, 3, 3));
        graph.addInitializer("bias", TensorData.ofFloats(new float[3], 3));
        graph.add(Op.GLOBAL_AVERAGE_POOL, List.of("image"), List.of("mean"), Map.of());
        graph.add(Op.FLATTEN, List.of("mean"), List.of("flat"), Map.of("axis", 1L));
        graph.add(Op.GEMM, List.of("flat", "weights", "bias"), List.of("logits"), Map.of());
        graph.add(Op.SOFTMAX, List.of("logits"), List.of("probabilities"), Map.of("axis", 1L));
        graph.addOutput(ValueInfo.of("probabilities", ElementType.FLOAT, 1, 3));
        model.validateOrThrow();
        return model;
    }

    private static void writeNoisyImage(Path file, int[] rgb, Random random) throws IOException {
        BufferedImage image = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int r = clamp(rgb[0] + random.nextInt(41) - 20);
                int g = clamp(rgb[1] + random.nextInt(41) - 20);
                int b = clamp(rgb[2] + random.nextInt(41) - 20);
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static int dominant(int[] rgb) {
        int best = 0;
        for (int c = 1; c < 3; c++) {
            if (rgb[c] > rgb[best]) {
                best = c;
            }
        }
        return best;
    }

    private static int clamp(int value) {
        return Math.max(0, Math.min(255, value));
    }
}
