package dev.outpost.runtime;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Measures image preprocessing for a 224x224 ImageNet classifier: decode a 640x480 JPEG, resize the
 * shorter side to 256 (bilinear), center-crop 224, normalize (RGB, /255, mean/std) into a
 * {@code float32 [1,3,224,224]} tensor. Also times decode alone and preprocess alone, and the PIL-style
 * antialiased filter. Not a test: run it by hand, pinned to one core.
 *
 * <p>The input JPEG is made here: {@code shared/data/imagenet-samples/images/n01440764_tench.JPEG}
 * (or the image given as first argument) stretched to 640x480 with this project's {@link Resampler}
 * and encoded with ImageIO's default JPEG writer (quality 0.75); its size is printed.
 *
 * <pre>
 * export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 * mvn -B -o -q -pl runtime -am test-compile
 * taskset -c 0 $JAVA_HOME/bin/java -cp runtime/target/classes:runtime/target/test-classes:ORT_JAR \
 *     dev.outpost.runtime.PreprocessBenchmark [source-image] [repeats] [iterations-per-repeat]
 * </pre>
 * (scripts/bench-foundation.sh runs it with the right class path.) When
 * {@code squeezenet1.0-fp32.onnx} is in {@code -Doutpost.models}, the run ends with that model's
 * inference (one thread) on the tensor the pipeline produced, for the preprocessing/inference ratio.
 * Each repeat times {@code iterations} back-to-back runs and reports the mean per run; the summary is
 * the median over repeats with the min and max of the repeats (the spread).
 */
public final class PreprocessBenchmark {

    private PreprocessBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path source = Path.of(args.length > 0 ? args[0]
                : "../shared/data/imagenet-samples/images/n01440764_tench.JPEG");
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 40;
        byte[] jpeg = makeJpeg(Image.read(source), 640, 480);
        System.out.printf("input: %s stretched to 640x480, JPEG %d bytes; %d repeats x %d iterations; %s %s, %d CPU(s)%n",
                source.getFileName(), jpeg.length, repeats, iterations, System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());

        TensorSpec input = TensorSpec.of("input", DType.FLOAT32, 1, 3, 224, 224);
        ImagePreprocessor plain = preprocessor(input, "false");
        ImagePreprocessor antialiased = preprocessor(input, "true");
        Image decoded = Image.decode(jpeg, "bench.jpg");

        report("decode + resize + normalize", repeats, iterations, () -> run(plain, Image.decode(jpeg, "bench.jpg")));
        report("decode only", repeats, iterations, () -> Image.decode(jpeg, "bench.jpg").width());
        report("resize + crop + normalize", repeats, iterations, () -> run(plain, decoded));
        report("same, antialias = true", repeats, iterations, () -> run(antialiased, decoded));

        // The model's inference on the tensor the pipeline produces, for the ratio (same run, same core).
        Path model = Path.of(System.getProperty("outpost.models", "../shared/models"), "squeezenet1.0-fp32.onnx");
        if (java.nio.file.Files.isRegularFile(model)) {
            SessionConfig config = SessionConfig.builder().intraOpThreads(1).interOpThreads(1).build();
            try (InferenceEngine engine = InferenceEngine.create();
                 ModelSession session = engine.open(model, config);
                 PreprocessedBatch batch = plain.preprocess(decoded)) {
                Map<String, Tensor> inputs = Map.of(session.inputs().getFirst().name(), batch.tensor());
                report("squeezenet1.0-fp32 inference", repeats, Math.max(1, iterations / 4), () -> {
                    try (Outputs outputs = session.run(inputs)) {
                        return Float.floatToIntBits(outputs.first().getFloat(0));
                    }
                });
            }
        } else {
            System.out.println("(no " + model + "; inference not measured)");
        }
    }

    private static ImagePreprocessor preprocessor(TensorSpec input, String antialias) {
        PipelineSpec spec = PipelineSpec.parse(Map.of("input.resize", "shorter-side:256", "input.antialias", antialias,
                "input.scale", "0.003921569", "input.mean", "0.485,0.456,0.406", "input.std", "0.229,0.224,0.225"), null);
        return ImagePreprocessor.create(spec.image().orElseThrow(), List.of(input));
    }

    private static int run(ImagePreprocessor preprocessor, Image image) {
        try (PreprocessedBatch batch = preprocessor.preprocess(image)) {
            return Float.floatToIntBits(batch.tensor().getFloat(1000));
        }
    }

    /** Stretches an image with {@link Resampler} and encodes it with ImageIO's JPEG writer. */
    static byte[] makeJpeg(Image image, int width, int height) throws IOException {
        byte[] rgb = Resampler.resize(image.pixels(), image.width(), image.height(), 3, width, height, 0, 0, width,
                height, true);
        BufferedImage buffered = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) buffered.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(buffered, "jpg", out);
        return out.toByteArray();
    }

    private interface Work {
        int run() throws IOException;
    }

    private static void report(String name, int repeats, int iterations, Work work) throws IOException {
        int sink = 0;
        for (int i = 0; i < iterations * 3; i++) {
            sink += work.run();
        }
        double[] perRun = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                sink += work.run();
            }
            perRun[r] = (System.nanoTime() - start) / 1e6 / iterations;
        }
        Arrays.sort(perRun);
        System.out.printf("%-30s median %7.3f ms  (min %.3f, max %.3f over %d repeats)%s%n", name,
                perRun[repeats / 2], perRun[0], perRun[repeats - 1], repeats, sink == 42 ? " " : "");
    }
}
