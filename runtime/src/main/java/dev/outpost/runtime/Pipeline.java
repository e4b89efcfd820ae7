package dev.outpost.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A model session joined to its declared pre- and post-processing ({@link PipelineSpec}): images
 * in, classes or boxes out, with the time of each stage.
 *
 * <pre>{@code
 * try (InferenceEngine engine = InferenceEngine.create();
 *      ModelSession session = engine.open(modelFile)) {
 *     // side file, else model metadata, else the built-in catalog (by SHA-256), else none
 *     Pipeline pipeline = Pipeline.create(session, Pipeline.declaredFor(modelFile, session));
 *     PipelineRun run = pipeline.run(Image.read(Path.of("cat.jpg")));
 *     run.only().classes().forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p>Thread-safe: the pipeline holds no mutable state and {@link ModelSession#run} may be called
 * concurrently. The pipeline does not own the session; its creator closes it.
 */
public final class Pipeline {

    private final ModelSession session;
    private final PipelineSpec spec;
    private final Optional<ImagePreprocessor> preprocessor;
    private final Optional<ClassificationPostprocessor> classifier;
    private final Optional<DetectionPostprocessor> detector;
    private final List<String> outputNames;

    private Pipeline(ModelSession session, PipelineSpec spec, Optional<ImagePreprocessor> preprocessor,
            Optional<ClassificationPostprocessor> classifier, Optional<DetectionPostprocessor> detector,
            List<String> outputNames) {
        this.session = session;
        this.spec = spec;
        this.preprocessor = preprocessor;
        this.classifier = classifier;
        this.detector = detector;
        this.outputNames = outputNames;
    }

    /**
     * A pipeline declaration, where it came from, and the labels that come with it (catalog entries
     * carry their labels as a list; other declarations name a labels file in the spec).
     *
     * <p>Immutable and thread-safe.
     *
     * @param spec the declaration
     * @param labels labels that replace the spec's labels file; present only for catalog entries
     * @param source where the declaration was found
     */
    public record Declaration(PipelineSpec spec, Optional<List<String>> labels, Source source) {

        /** Where a declaration was found, in the order {@link #declaredFor} looks. */
        public enum Source {
            /** The side file {@code <model>.pipeline.properties} beside the model. */
            SIDE_FILE,
            /** The {@code outpost.pipeline.*} entries of the model's metadata. */
            MODEL_METADATA,
            /** The {@link PipelineCatalog} entry for the model file's SHA-256. */
            CATALOG,
            /** Nowhere: {@link PipelineSpec#none()}. */
            NONE
        }

        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public Declaration {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(source, "source");
            labels = Objects.requireNonNull(labels, "labels").map(List::copyOf);
        }
    }

    /**
     * The declaration that applies to a model file, looked up in this order: the side file
     * {@code <model>.pipeline.properties} beside it, the {@code outpost.pipeline.*} entries of the
     * model's metadata, the {@link PipelineCatalog} (by the SHA-256 of the file), else
     * {@link PipelineSpec#none()}. The first one found wins; the others are not read.
     *
     * @param modelFile the model file the session was opened from
     * @param session its session (for the metadata)
     * @throws InferenceException PIPELINE when the declaration found is invalid; MODEL_NOT_FOUND when
     *     the catalog lookup cannot read the model file
     */
    public static Declaration declaredFor(Path modelFile, ModelSession session) {
        return declaredFor(modelFile, session, PipelineCatalog::find);
    }

    /** {@link #declaredFor(Path, ModelSession)} with the catalog lookup given (tests). */
    static Declaration declaredFor(Path modelFile, ModelSession session,
            Function<Path, Optional<PipelineCatalog.CatalogEntry>> catalog) {
        Path side = PipelineSpec.sideFileOf(modelFile);
        if (Files.isRegularFile(side)) {
            return new Declaration(PipelineSpec.fromSideFile(side), Optional.empty(), Declaration.Source.SIDE_FILE);
        }
        if (hasMetadataDeclaration(session)) {
            return new Declaration(declaredIn(session), Optional.empty(), Declaration.Source.MODEL_METADATA);
        }
        return catalog.apply(modelFile)
                .map(entry -> new Declaration(entry.spec(), Optional.of(entry.labels()), Declaration.Source.CATALOG))
                .orElseGet(() -> new Declaration(PipelineSpec.none(), Optional.empty(), Declaration.Source.NONE));
    }

    /** The declaration in the model's metadata, or {@link PipelineSpec#none()}. */
    public static PipelineSpec declaredIn(ModelSession session) {
        return hasMetadataDeclaration(session)
                ? PipelineSpec.fromModelMetadata(session.metadata().custom()) : PipelineSpec.none();
    }

    private static boolean hasMetadataDeclaration(ModelSession session) {
        return session.metadata().custom().keySet().stream().anyMatch(key -> key.startsWith(PipelineSpec.METADATA_PREFIX));
    }

    /**
     * Binds a declaration to a session, checking that its inputs and outputs exist with fitting
     * shapes. Labels come from the declaration's labels file.
     *
     * @throws InferenceException PIPELINE naming the mismatch between declaration and model
     */
    public static Pipeline create(ModelSession session, PipelineSpec spec) {
        return create(session, spec, Optional.empty());
    }

    /** Binds a found declaration, with its labels if it carries any (see {@link #declaredFor}). */
    public static Pipeline create(ModelSession session, Declaration declaration) {
        return create(session, declaration.spec(), declaration.labels());
    }

    /** Like {@link #create(ModelSession, PipelineSpec)}, with labels that replace the declared ones. */
    public static Pipeline create(ModelSession session, PipelineSpec spec, Optional<List<String>> labels) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(spec, "spec");
        Optional<ImagePreprocessor> preprocessor = spec.image()
                .map(image -> ImagePreprocessor.create(image, session.inputs()));
        List<String> modelOutputs = session.outputs().stream().map(TensorSpec::name).toList();
        Optional<ClassificationPostprocessor> classifier = Optional.empty();
        Optional<DetectionPostprocessor> detector = Optional.empty();
        List<String> outputNames;
        switch (spec.output()) {
            case ClassificationSpec classification -> {
                ClassificationPostprocessor post = labels
                        .map(given -> ClassificationPostprocessor.create(classification, given))
                        .orElseGet(() -> ClassificationPostprocessor.create(classification));
                classifier = Optional.of(post);
                outputNames = List.of(post.outputName(modelOutputs));
            }
            case DetectionSpec detection -> {
                if (preprocessor.isEmpty()) {
                    throw new InferenceException(InferenceException.Code.PIPELINE, "Model " + session.name()
                            + ": a detection output needs an image input declaration (input.*) to map boxes"
                            + " back to the image");
                }
                DetectionPostprocessor post = labels
                        .map(given -> DetectionPostprocessor.create(detection, given))
                        .orElseGet(() -> DetectionPostprocessor.create(detection));
                detector = Optional.of(post);
                outputNames = post.outputNames(modelOutputs);
            }
            case OutputSpec.Tensors tensors -> outputNames = modelOutputs;
        }
        return new Pipeline(session, spec, preprocessor, classifier, detector, List.copyOf(outputNames));
    }

    /** The declaration this pipeline runs. */
    public PipelineSpec spec() {
        return spec;
    }

    /** The session it runs on (not owned). */
    public ModelSession session() {
        return session;
    }

    /** True when the declaration has an image input, so {@link #run(List)} accepts images. */
    public boolean acceptsImages() {
        return preprocessor.isPresent();
    }

    /**
     * The largest number of images one model call takes: the fixed batch size, or {@code
     * Integer.MAX_VALUE} for a dynamic batch. {@link #run(List)} splits larger lists itself.
     */
    public int maxBatch() {
        long fixed = requireImages().fixedBatch();
        return fixed < 0 ? Integer.MAX_VALUE : (int) fixed;
    }

    /** Runs one image. */
    public PipelineRun run(Image image) {
        return run(List.of(image));
    }

    /**
     * Runs images through preprocessing, the model and postprocessing, in model calls of at most
     * {@link #maxBatch()} images.
     *
     * @throws InferenceException PIPELINE when the declaration has no image input
     */
    public PipelineRun run(List<Image> images) {
        return run(images, null);
    }

    /**
     * Like {@link #run(List)}, stoppable from another thread: once {@code control} is cancelled the
     * run throws {@link InferenceException} CANCELLED, before its next model call or inside it at
     * ONNX Runtime's next operator. The caller owns and closes the control.
     */
    public PipelineRun run(List<Image> images, RunControl control) {
        ImagePreprocessor pre = requireImages();
        if (images.isEmpty()) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "No images to run");
        }
        int batch = (int) Math.min(maxBatch(), images.size());
        List<Prediction> predictions = new ArrayList<>(images.size());
        long preNanos = 0;
        long inferNanos = 0;
        long postNanos = 0;
        for (int from = 0; from < images.size(); from += batch) {
            List<Image> chunk = images.subList(from, Math.min(images.size(), from + batch));
            long start = System.nanoTime();
            try (PreprocessedBatch input = pre.preprocess(chunk)) {
                long preprocessed = System.nanoTime();
                Map<String, Tensor> feed = Map.of(input.inputName(), input.tensor());
                try (Outputs outputs = control == null ? session.run(feed, requested())
                        : session.run(feed, requested(), control)) {
                    long inferred = System.nanoTime();
                    predictions.addAll(postprocess(outputs, input.transforms()));
                    postNanos += System.nanoTime() - inferred;
                    inferNanos += inferred - preprocessed;
                }
                preNanos += preprocessed - start;
            }
        }
        return new PipelineRun(predictions, Duration.ofNanos(preNanos), Duration.ofNanos(inferNanos),
                Duration.ofNanos(postNanos));
    }

    /**
     * Runs prepared input tensors (no preprocessing) and postprocesses the outputs: classification
     * or raw tensors; detection needs images.
     */
    public PipelineRun run(Map<String, Tensor> inputs) {
        if (detector.isPresent()) {
            throw new InferenceException(InferenceException.Code.PIPELINE, "Model " + session.name()
                    + " declares a detection output, which needs images as input (to map boxes back), not tensors");
        }
        long start = System.nanoTime();
        try (Outputs outputs = session.run(inputs, requested())) {
            long inferred = System.nanoTime();
            List<Prediction> predictions = postprocess(outputs, List.of());
            return new PipelineRun(predictions, Duration.ZERO, Duration.ofNanos(inferred - start),
                    Duration.ofNanos(System.nanoTime() - inferred));
        }
    }

    private List<Prediction> postprocess(Outputs outputs, List<ImageTransform> transforms) {
        if (classifier.isPresent()) {
            return classifier.get().process(outputs.get(outputNames.getFirst())).stream()
                    .map(classes -> new Prediction(classes, List.of(), Map.of()))
                    .toList();
        }
        if (detector.isPresent()) {
            Map<String, Tensor> byName = new LinkedHashMap<>();
            for (String name : outputNames) {
                byName.put(name, outputs.get(name));
            }
            return detector.get().process(byName, transforms).stream()
                    .map(boxes -> new Prediction(List.of(), boxes, Map.of()))
                    .toList();
        }
        return splitTensors(outputs, Math.max(1, transforms.size()));
    }

    /** Raw outputs, split along the batch axis into one prediction per input. */
    private List<Prediction> splitTensors(Outputs outputs, int count) {
        List<Map<String, float[]>> perInput = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            perInput.add(new LinkedHashMap<>());
        }
        for (String name : outputNames) {
            Tensor tensor = outputs.get(name);
            if (tensor.type() == DType.STRING) {
                continue;
            }
            float[] all = tensor.toFloatArray();
            boolean batched = count > 1 && tensor.rank() > 0 && tensor.dim(0) == count;
            int per = batched ? all.length / count : all.length;
            for (int i = 0; i < count; i++) {
                float[] part = new float[per];
                System.arraycopy(all, batched ? i * per : 0, part, 0, per);
                perInput.get(i).put(name, part);
            }
        }
        return perInput.stream().map(tensors -> new Prediction(List.of(), List.of(), tensors)).toList();
    }

    private LinkedHashSet<String> requested() {
        return new LinkedHashSet<>(outputNames);
    }

    private ImagePreprocessor requireImages() {
        return preprocessor.orElseThrow(() -> new InferenceException(InferenceException.Code.PIPELINE,
                "Model " + session.name() + " has no image input declaration (input.* keys in "
                        + "<model>.pipeline.properties or outpost.pipeline.input.* metadata); feed tensors instead"));
    }

    @Override
    public String toString() {
        return "Pipeline[" + session.name() + ", " + spec.output().getClass().getSimpleName() + "]";
    }
}
