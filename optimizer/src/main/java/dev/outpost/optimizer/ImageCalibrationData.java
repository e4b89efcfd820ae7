package dev.outpost.optimizer;

import dev.outpost.optimizer.eval.EvalData;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.ImagePreprocessor;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.PipelineSpec;
import dev.outpost.runtime.PreprocessedBatch;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * Calibration samples made from images through the model's own image pipeline (the declaration beside
 * or inside the model, or the catalog's), so that calibration sees exactly what inference will.
 * Images are decoded when their sample is asked for, never held. Thread-confined.
 */
public final class ImageCalibrationData implements CalibrationData {

    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp");

    private final ImagePreprocessor preprocessor;
    private final int count;
    private final IntFunction<Image> images;
    private final String description;
    private final String digest;

    private ImageCalibrationData(ImagePreprocessor preprocessor, int count, IntFunction<Image> images,
            String description, String digest) {
        this.preprocessor = preprocessor;
        this.count = count;
        this.images = images;
        this.description = description;
        this.digest = digest;
    }

    /**
     * Images produced on demand (e.g. decoded from a data set), preprocessed for {@code model}.
     *
     * @throws OptimizerException BAD_DATA when the model declares no image input
     */
    public static ImageCalibrationData of(Path model, InferenceEngine engine, int count, IntFunction<Image> images,
            String description, String digest) {
        return new ImageCalibrationData(preprocessorFor(model, engine), count, images, description, digest);
    }

    /**
     * The image files of a folder (recursively, sorted by path; JPEG, PNG, BMP), at most {@code limit}
     * spread evenly over the sorted list so that a folder per class gives every class its share.
     *
     * @param swapRedBlue reverse the channel order after decoding (for data sets stored BGR, like vww-96)
     * @throws OptimizerException BAD_DATA when the folder has no images or the model declares no image input
     */
    public static ImageCalibrationData folder(Path model, InferenceEngine engine, Path folder, int limit,
            boolean swapRedBlue) {
        List<Path> files = imageFiles(folder);
        if (files.isEmpty()) {
            throw new OptimizerException(OptimizerException.Code.BAD_DATA, "No images in " + folder
                    + "; expected files ending in " + EXTENSIONS);
        }
        List<Path> chosen = limit <= 0 ? files : EvalData.subset(files, limit);
        IntFunction<Image> decode = i -> {
            try {
                Image image = Image.read(chosen.get(i));
                return swapRedBlue ? image.withRedBlueSwapped() : image;
            } catch (InferenceException e) {
                throw new OptimizerException(OptimizerException.Code.BAD_DATA, "Cannot use calibration image "
                        + chosen.get(i) + ": " + e.getMessage(), e);
            }
        };
        return of(model, engine, chosen.size(), decode, chosen.size() + " images from " + folder
                + (swapRedBlue ? " (red and blue swapped)" : ""), digestOf(chosen));
    }

    private static List<Path> imageFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new OptimizerException(OptimizerException.Code.BAD_DATA, "Calibration folder " + folder
                    + " does not exist or is not a folder");
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> EXTENSIONS.stream().anyMatch(e -> p.getFileName().toString()
                            .toLowerCase(Locale.ROOT).endsWith(e)))
                    .sorted().toList();
        } catch (IOException e) {
            throw new OptimizerException(OptimizerException.Code.IO, "Cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    private static String digestOf(List<Path> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                digest.update(file.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                digest.update(Files.readAllBytes(file));
            }
            return "sha256:" + HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new OptimizerException(OptimizerException.Code.IO, "Cannot read calibration images: "
                    + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ImagePreprocessor preprocessorFor(Path model, InferenceEngine engine) {
        SessionConfig config = SessionConfig.builder().optimizationLevel(SessionConfig.OptimizationLevel.NONE)
                .intraOpThreads(1).build();
        try (ModelSession session = engine.open(model, config)) {
            PipelineSpec spec = Pipeline.declaredFor(model, session).spec();
            return spec.image().map(image -> ImagePreprocessor.create(image, session.inputs()))
                    .orElseThrow(() -> new OptimizerException(OptimizerException.Code.BAD_DATA, "Model " + model
                            + " declares no image input (no " + PipelineSpec.SIDE_FILE_SUFFIX + " side file, no"
                            + " outpost.pipeline.* metadata, not in the catalog), so images cannot be turned into"
                            + " its input; give .npy tensors instead, or declare the pipeline"));
        } catch (InferenceException e) {
            throw new OptimizerException(OptimizerException.Code.BAD_DATA, "Cannot prepare image calibration for "
                    + model + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public Map<String, Tensor> sample(int index) {
        PreprocessedBatch batch = preprocessor.preprocess(images.apply(index));
        return Map.of(batch.inputName(), batch.tensor());
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String digest() {
        return digest;
    }
}
