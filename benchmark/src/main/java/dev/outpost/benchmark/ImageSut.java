package dev.outpost.benchmark;

import dev.outpost.runtime.Image;
import dev.outpost.runtime.ImagePreprocessor;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.PipelineSpec;
import dev.outpost.runtime.PreprocessedBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Real images through the model's declared pipeline (its image input: resize, crop, layout,
 * normalization). The files are read into memory before measuring. Either every query decodes and
 * preprocesses its images (so the latency includes what an application pays between a JPEG and the
 * model), or the images are decoded and preprocessed once before measuring and the queries cycle
 * through the prepared batches (the model's cost on real, not random, inputs).
 *
 * <p>Owns its prepared tensors (closed by {@link #close()}); not the session. Safe for concurrent
 * {@link #issue} calls.
 */
public final class ImageSut implements SessionSut {

    /** Image files read at most (sorted by name): enough variety, bounded memory. */
    static final int MAX_IMAGES = 64;
    /** Batches prepared at most when preprocessing is excluded. */
    static final int MAX_PREPARED = 8;

    private final ModelSession session;
    private final ImagePreprocessor preprocessor;
    private final List<byte[]> files;
    private final List<String> names;
    private final int batch;
    private final boolean includePreprocessing;
    private final List<PreprocessedBatch> prepared = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong preprocessed = new java.util.concurrent.atomic.AtomicLong();
    private final String description;
    private volatile boolean closed;

    private ImageSut(ModelSession session, ImagePreprocessor preprocessor, List<byte[]> files, List<String> names,
            int batch, boolean includePreprocessing, String description) {
        this.session = session;
        this.preprocessor = preprocessor;
        this.files = files;
        this.names = names;
        this.batch = batch;
        this.includePreprocessing = includePreprocessing;
        this.description = description;
    }

    /** True when the folder holds image files (JPEG, PNG, BMP) this class can read. */
    public static boolean holdsImages(Path folder) {
        return !imageFiles(folder).isEmpty();
    }

    /**
     * The images of {@code folder} (at most {@value #MAX_IMAGES}, by name) for {@code model}'s pipeline,
     * {@code batch} images per run.
     *
     * @throws BenchmarkException INPUTS when the model declares no image input, the folder has no
     *     images, one does not decode, or the model's input takes another batch size
     */
    public static ImageSut folder(ModelSession session, Path model, Path folder, int batch, boolean includePreprocessing) {
        Objects.requireNonNull(session, "session");
        if (batch < 1) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "Batch is " + batch + "; expected >= 1");
        }
        ImagePreprocessor preprocessor = preprocessor(session, model);
        if (preprocessor.fixedBatch() >= 0 && preprocessor.fixedBatch() != batch) {
            throw new BenchmarkException(BenchmarkException.Code.INPUTS, "Model " + model.getFileName() + " takes a batch"
                    + " of exactly " + preprocessor.fixedBatch() + " image(s); the run asks for " + batch);
        }
        List<Path> paths = imageFiles(folder);
        if (paths.isEmpty()) {
            throw new BenchmarkException(BenchmarkException.Code.INPUTS, "No JPEG, PNG or BMP images in " + folder);
        }
        List<byte[]> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path path : paths.subList(0, Math.min(MAX_IMAGES, paths.size()))) {
            try {
                files.add(Files.readAllBytes(path));
            } catch (IOException e) {
                throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot read " + path + ": " + e.getMessage(), e);
            }
            names.add(path.getFileName().toString());
        }
        String description = files.size() + " image(s) from " + folder + " through the model's pipeline, "
                + (includePreprocessing ? "decoded and preprocessed in every query (included in the latency)"
                : "decoded and preprocessed once before measuring");
        ImageSut sut = new ImageSut(session, preprocessor, files, names, batch, includePreprocessing, description);
        if (!includePreprocessing) {
            try {
                int batches = Math.min(MAX_PREPARED, Math.max(1, (files.size() + batch - 1) / batch));
                for (int i = 0; i < batches; i++) {
                    sut.prepared.add(sut.preprocessNext());
                }
            } catch (RuntimeException e) {
                sut.close();
                throw e;
            }
        }
        return sut;
    }

    private static ImagePreprocessor preprocessor(ModelSession session, Path model) {
        PipelineSpec spec = Pipeline.declaredFor(model, session).spec();
        if (spec.image().isEmpty()) {
            throw new BenchmarkException(BenchmarkException.Code.INPUTS, "Model " + model.getFileName() + " declares no"
                    + " image input (no " + PipelineSpec.SIDE_FILE_SUFFIX + " side file, no outpost.pipeline.* metadata,"
                    + " not in the catalog), so images cannot become its input; give .npy files or 'random'");
        }
        if (session.inputs().size() != 1) {
            throw new BenchmarkException(BenchmarkException.Code.INPUTS, "Model " + model.getFileName() + " has "
                    + session.inputs().size() + " inputs; images feed one-input models only. Give .npy files");
        }
        try {
            return ImagePreprocessor.create(spec.image().get(), session.inputs());
        } catch (InferenceException e) {
            throw new BenchmarkException(BenchmarkException.Code.INPUTS, e.getMessage(), e);
        }
    }

    private static List<Path> imageFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.filter(Files::isRegularFile).filter(path -> {
                String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
                return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png") || name.endsWith(".bmp");
            }).sorted().toList();
        } catch (IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    /** The next {@code batch} images (cycling through the files), decoded and preprocessed; the caller closes it. */
    private PreprocessedBatch preprocessNext() {
        List<Image> images = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            int index = Math.floorMod(next.getAndIncrement(), files.size());
            try {
                images.add(Image.decode(files.get(index), names.get(index)));
            } catch (InferenceException e) {
                throw new BenchmarkException(BenchmarkException.Code.INPUTS, e.getMessage(), e);
            }
        }
        PreprocessedBatch batchInput = preprocessor.preprocess(images);
        preprocessed.incrementAndGet();
        return batchInput;
    }

    /** Batches decoded and preprocessed so far, before measuring and during it (tests). */
    long preprocessedBatches() {
        return preprocessed.get();
    }

    @Override
    public int samplesPerRun() {
        return batch;
    }

    @Override
    public String describeInputs() {
        return description;
    }

    /** One run on the next batch, decoding and preprocessing it first when that is included. */
    @Override
    public void runOnce() {
        if (includePreprocessing) {
            try (PreprocessedBatch input = preprocessNext()) {
                run(input);
            }
        } else {
            run(prepared.get(Math.floorMod(next.getAndIncrement(), prepared.size())));
        }
    }

    private void run(PreprocessedBatch input) {
        try (Outputs outputs = session.run(Map.of(input.inputName(), input.tensor()))) {
            Objects.requireNonNull(outputs);
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        prepared.forEach(PreprocessedBatch::close);
    }
}
