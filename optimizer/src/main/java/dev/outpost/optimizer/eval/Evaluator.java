package dev.outpost.optimizer.eval;

import dev.outpost.optimizer.OptimizerException;
import dev.outpost.runtime.Classification;
import dev.outpost.runtime.ClassificationPostprocessor;
import dev.outpost.runtime.ClassificationSpec;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.Detection;
import dev.outpost.runtime.DetectionSpec;
import dev.outpost.runtime.ImageInputSpec;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.OutputSpec;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.PipelineRun;
import dev.outpost.runtime.PipelineSpec;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Evaluates model files on one {@link EvalData}: accuracy against its labels and, given a reference
 * model, the fidelity of every output to the reference's.
 *
 * <pre>{@code
 * EvalData data = EvalData.open(Path.of("shared/data/imagenet-samples"), Task.CLASSIFY, EvalData.ALL);
 * try (Evaluator evaluator = Evaluator.create(data)) {
 *     EvalResult original = evaluator.evaluate(Path.of("squeezenet.onnx"));
 *     EvalResult int8 = evaluator.evaluate(Path.of("squeezenet-int8.onnx"), Optional.of(Path.of("squeezenet.onnx")));
 *     System.out.println(int8.top1() + " vs " + original.top1() + ", SQNR " + int8.sqnrDb());
 * }
 * }</pre>
 *
 * <p><b>Pipelines.</b> Each model runs through its declared pre- and post-processing
 * ({@link Pipeline#declaredFor}: side file, model metadata, catalog). A model without an image
 * declaration of its own, such as an optimized copy (whose bytes no longer match the catalog),
 * borrows the declaration of {@code pipelineFrom}, else of the reference; the borrowed input element
 * type is dropped, so that an fp16 copy is fed fp16.
 *
 * <p><b>How each task runs.</b> Every sample is run alone, and its ONNX Runtime time is recorded (the
 * median is {@link EvalResult#latencyMedian()}). CLASSIFY reads the raw outputs and ranks the
 * classification output's classes as {@link ClassificationPostprocessor} does; DETECT runs the
 * declared detector with a score threshold of 0.01 and at most 100 boxes per image (mAP needs the
 * low-score tail; the declared NMS IoU is kept), and with a reference makes a second pass for the raw
 * outputs. A reference's raw outputs are computed once and kept (as floats) for later evaluations
 * against the same reference file (same path, size and modification time), which suits a search over
 * many candidates; the raw outputs of the last model evaluated are kept too, so that it can serve as
 * the next reference without a second run. Memory: the reference's outputs for every sample (e.g.
 * 200 samples of 1000 floats = 0.8 MB; a YOLOX grid of 300k floats per image, 1.2 MB per sample).
 *
 * <p>Not thread-safe: evaluate from one thread (ONNX Runtime parallelizes each run). Owns an
 * {@link InferenceEngine}; close the evaluator to release it (idempotent). The data is not owned.
 */
public final class Evaluator implements AutoCloseable {

    /** Score threshold and box cap used for mAP (not the display threshold of a declaration). */
    static final float DETECTION_SCORE_THRESHOLD = 0.01f;
    static final int DETECTION_MAX_BOXES = 100;
    private static final int TOP_K = 5;

    private final EvalData data;
    private final SessionConfig config;
    private final EvalProgress progress;
    private final InferenceEngine engine;
    private final Map<RunKey, RawRun> references = new HashMap<>();
    private final Map<ReferenceRequest, RunKey> referenceKeys = new HashMap<>();
    private RunKey lastKey;
    private RawRun lastRun;

    private Evaluator(EvalData data, SessionConfig config, EvalProgress progress) {
        this.data = data;
        this.config = config;
        this.progress = progress;
        this.engine = InferenceEngine.create();
    }

    /** An evaluator with the default session options and no progress reports. */
    public static Evaluator create(EvalData data) {
        return create(data, SessionConfig.defaults(), EvalProgress.NONE);
    }

    /**
     * An evaluator.
     *
     * @param data the data set every evaluation runs on
     * @param config how model sessions are opened (threads, execution providers)
     * @param progress receives one update per sample of each model run
     */
    public static Evaluator create(EvalData data, SessionConfig config, EvalProgress progress) {
        return new Evaluator(Objects.requireNonNull(data, "data"), Objects.requireNonNull(config, "config"),
                Objects.requireNonNull(progress, "progress"));
    }

    /** The data set evaluations run on. */
    public EvalData data() {
        return data;
    }

    /** Evaluates a model against the data's labels. */
    public EvalResult evaluate(Path model) {
        return evaluate(model, Optional.empty(), Optional.empty());
    }

    /** Evaluates a model against the data's labels and, if given, a reference model. */
    public EvalResult evaluate(Path model, Optional<Path> reference) {
        return evaluate(model, reference, Optional.empty());
    }

    /**
     * Evaluates a model.
     *
     * @param model the model file
     * @param reference a model whose outputs this one's are compared with (e.g. the original of an
     *     optimized model); may be {@code model} itself
     * @param pipelineFrom a model whose pipeline declaration is used when {@code model} (or the
     *     reference) has none of its own; the reference serves when this is empty
     * @throws OptimizerException INVALID_OPTION when there is nothing to measure (no labels and no
     *     reference), no pipeline declaration is found, or the model's outputs do not fit the task, the
     *     data's classes or the reference's outputs; BAD_DATA for unusable data; IO for an unreadable file
     * @throws dev.outpost.runtime.InferenceException when ONNX Runtime cannot load or run a model
     */
    public EvalResult evaluate(Path model, Optional<Path> reference, Optional<Path> pipelineFrom) {
        requireOpen();
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(pipelineFrom, "pipelineFrom");
        long modelBytes = requireFile(model, "Model");
        reference.ifPresent(file -> requireFile(file, "Reference model"));
        pipelineFrom.ifPresent(file -> requireFile(file, "Pipeline source model"));
        Task task = data.task();
        if (reference.isEmpty() && !data.hasLabels()) {
            throw invalid("Nothing to measure for " + model.getFileName() + ": task " + task.cliName()
                    + " compares outputs with a reference model, and " + data.path() + " has "
                    + (data.format().hasClassLabels() || data.format().hasBoxes() ? "labels for another task"
                            : "no labels") + "; give a reference model (the original, e.g. --reference ORIGINAL.onnx)");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<OutputFidelity> fidelity = List.of();
        long[] latencies;
        String pipelineSource;
        try (ModelSession session = engine.open(model, config)) {
            Resolved resolved = resolve(model, session, pipelineFrom.or(() -> reference));
            pipelineSource = resolved.source();
            RunKey key = RunKey.of(model, resolved.declaration().spec());
            // The reference first: it may be the last model evaluated, whose outputs are still kept.
            Optional<RawRun> referenceRun = reference.map(file -> referenceRun(file, pipelineFrom));
            RawRun raw = null;
            if (task == Task.DETECT) {
                latencies = detect(model, session, resolved, metrics);
            } else {
                raw = rawRun(model, session, resolved, key, task.cliName());
                lastKey = key;
                lastRun = raw;
                latencies = raw.latencies();
                if (task == Task.CLASSIFY) {
                    classify(model, session, resolved, raw, metrics);
                }
            }
            if (referenceRun.isPresent()) {
                if (raw == null) {
                    raw = rawRun(model, session, resolved, key, "outputs");
                    lastKey = key;
                    lastRun = raw;
                }
                fidelity = compare(model, session, raw, reference.get(), referenceRun.get());
                summarize(fidelity, session, resolved, task, metrics);
            }
        }
        return new EvalResult(model, modelBytes, task, data.size(), metrics, fidelity, reference,
                Duration.ofNanos(median(latencies)), pipelineSource);
    }

    // ---- pipeline declarations ----

    /** A declaration to run, and where it came from in words. */
    private record Resolved(Pipeline.Declaration declaration, String source) {
    }

    private Resolved resolve(Path model, ModelSession session, Optional<Path> fallback) {
        Pipeline.Declaration own = Pipeline.declaredFor(model, session);
        if (own.spec().image().isPresent()) {
            return new Resolved(own, describe(own.source()));
        }
        if (fallback.isPresent() && !fallback.get().equals(model)) {
            Path from = fallback.get();
            try (ModelSession other = engine.open(from, config)) {
                Pipeline.Declaration borrowed = Pipeline.declaredFor(from, other);
                if (borrowed.spec().image().isPresent()) {
                    ImageInputSpec image = borrowed.spec().image().get();
                    ImageInputSpec anyType = new ImageInputSpec(image.name(), image.resize(), image.antialias(),
                            image.channels(), image.layout(), Optional.empty(), image.size(), image.scale(),
                            image.mean(), image.std());
                    return new Resolved(new Pipeline.Declaration(new PipelineSpec(Optional.of(anyType),
                            borrowed.spec().output()), borrowed.labels(), borrowed.source()),
                            describe(borrowed.source()) + " of " + from.getFileName());
                }
            }
            throw invalid("Neither " + model.getFileName() + " nor " + from.getFileName() + " declares how images"
                    + " become its input (no <model>.pipeline.properties side file, no outpost.pipeline.* metadata,"
                    + " not in Outpost's catalog); write a side file, e.g. " + sideFile(model));
        }
        throw invalid("Model " + model.getFileName() + " declares no image pipeline (no side file "
                + sideFile(model).getFileName() + ", no outpost.pipeline.* metadata, and its SHA-256 is not in"
                + " Outpost's catalog, as for any optimized copy); give the original model as --pipeline-from"
                + " ORIGINAL.onnx or --reference ORIGINAL.onnx to use its declaration, or write a side file");
    }

    private static Path sideFile(Path model) {
        return PipelineSpec.sideFileOf(model);
    }

    private static String describe(Pipeline.Declaration.Source source) {
        return switch (source) {
            case SIDE_FILE -> "side file";
            case MODEL_METADATA -> "model metadata";
            case CATALOG -> "catalog";
            case NONE -> "none";
        };
    }

    // ---- runs ----

    /**
     * Raw outputs of every sample, one run per sample.
     *
     * @param outputs the model's numeric outputs, in model order
     * @param values per sample, output name to values
     * @param latencies per sample, ONNX Runtime nanoseconds
     * @param skipped output name to the number of leading values that are not classes (the declared
     *     classification output's label offset, e.g. a background class); compared without them
     */
    private record RawRun(List<TensorSpec> outputs, List<Map<String, float[]>> values, long[] latencies,
            Map<String, Integer> skipped) {
    }

    /** A model file (path, size, modification time) run under one declaration. */
    private record RunKey(Path file, long size, Instant modified, PipelineSpec spec) {
        static RunKey of(Path file, PipelineSpec spec) {
            try {
                Instant modified = Files.getLastModifiedTime(file).toInstant();
                return new RunKey(file.toAbsolutePath().normalize(), Files.size(file), modified, spec);
            } catch (IOException e) {
                throw new OptimizerException(OptimizerException.Code.IO, "Cannot read " + file + ": " + e.getMessage(), e);
            }
        }
    }

    private RawRun rawRun(Path model, ModelSession session, Resolved resolved, RunKey key, String phase) {
        RawRun known = references.get(key);
        if (known == null && key.equals(lastKey)) {
            known = lastRun;
        }
        if (known != null) {
            return known;
        }
        Pipeline pipeline = Pipeline.create(session, new PipelineSpec(resolved.declaration().spec().image(),
                new OutputSpec.Tensors()), Optional.of(List.of()));
        List<TensorSpec> outputs = session.outputs().stream().filter(output -> output.type() != DType.STRING).toList();
        List<EvalData.Sample> samples = data.samples();
        List<Map<String, float[]>> values = new ArrayList<>(samples.size());
        long[] latencies = new long[samples.size()];
        String label = model.getFileName() + " " + phase;
        for (int i = 0; i < samples.size(); i++) {
            PipelineRun run = pipeline.run(samples.get(i).image());
            values.add(run.only().tensors());
            latencies[i] = run.inference().toNanos();
            progress.update(label, i + 1, samples.size());
        }
        return new RawRun(outputs, values, latencies, labelOffsets(session, resolved.declaration().spec().output()));
    }

    /** The declared classification output's label offset, by output name (empty for other outputs). */
    private static Map<String, Integer> labelOffsets(ModelSession session, OutputSpec output) {
        if (output instanceof ClassificationSpec classification && classification.labelOffset() > 0) {
            String name = ClassificationPostprocessor.create(classification, List.of()).outputName(names(session.outputs()));
            return Map.of(name, classification.labelOffset());
        }
        return Map.of();
    }

    /** A reference's outputs: kept from an earlier call (no session is opened then), else computed and kept. */
    private RawRun referenceRun(Path reference, Optional<Path> pipelineFrom) {
        ReferenceRequest request = new ReferenceRequest(RunKey.of(reference, PipelineSpec.none()), pipelineFrom);
        RunKey known = referenceKeys.get(request);
        if (known != null && references.containsKey(known)) {
            return references.get(known);
        }
        try (ModelSession session = engine.open(reference, config)) {
            Resolved resolved = resolve(reference, session, pipelineFrom);
            RunKey key = RunKey.of(reference, resolved.declaration().spec());
            RawRun run = rawRun(reference, session, resolved, key, "reference");
            references.put(key, run);
            referenceKeys.put(request, key);
            return run;
        }
    }

    /** A reference file (its key without a declaration) with the pipeline source it was resolved with. */
    private record ReferenceRequest(RunKey file, Optional<Path> pipelineFrom) {
    }

    // ---- classification ----

    private void classify(Path model, ModelSession session, Resolved resolved, RawRun raw, Map<String, Double> metrics) {
        ClassificationSpec spec = classificationSpec(model, session, resolved.declaration().spec().output());
        ClassificationSpec ranking = new ClassificationSpec(spec.output(), spec.activation(),
                Math.max(TOP_K, spec.topK()), Optional.empty(), spec.labelOffset(), spec.scale());
        ClassificationPostprocessor post = ClassificationPostprocessor.create(ranking, List.of());
        String output = post.outputName(session.outputs().stream().map(TensorSpec::name).toList());
        List<EvalData.Sample> samples = data.samples();
        int classes = raw.values().getFirst().get(output).length - spec.labelOffset();
        int maxLabel = samples.stream().mapToInt(EvalData.Sample::classIndex).max().orElse(0);
        if (classes < data.classCount() || classes <= maxLabel) {
            throw invalid("Model " + model.getFileName() + " and data " + data.path().getFileName() + " do not fit:"
                    + " output '" + output + "' scores " + classes + " classes" + (spec.labelOffset() > 0
                            ? " (after a label offset of " + spec.labelOffset() + ")" : "")
                    + " but the data has " + data.classCount() + " classes (labels up to " + maxLabel + ")");
        }
        TopKAccuracy accuracy = new TopKAccuracy(TOP_K);
        for (int i = 0; i < samples.size(); i++) {
            float[] values = raw.values().get(i).get(output);
            try (Tensor tensor = Tensor.of(values, 1, values.length)) {
                accuracy.add(post.process(tensor).getFirst().stream().map(Classification::classIndex).toList(),
                        samples.get(i).classIndex());
            }
        }
        metrics.put(EvalResult.TOP1, accuracy.top1());
        if (classes > TOP_K) {
            metrics.put(EvalResult.TOP5, accuracy.topK());
        }
    }

    /** The declared classification, or the model's only output read as class scores when none is declared. */
    private static ClassificationSpec classificationSpec(Path model, ModelSession session, OutputSpec output) {
        return switch (output) {
            case ClassificationSpec classification -> classification;
            case DetectionSpec detection -> throw invalid("Model " + model.getFileName() + " declares a detection"
                    + " output, but the data has class labels; evaluate it on detection data (images/ with"
                    + " labels/*.txt) or with --task tensor against a reference");
            case OutputSpec.Tensors tensors -> {
                if (session.outputs().size() != 1) {
                    throw invalid("Model " + model.getFileName() + " declares no classification output and has "
                            + session.outputs().size() + " outputs " + names(session.outputs()) + "; declare"
                            + " task = classification with classification.output in its side file");
                }
                yield new ClassificationSpec(Optional.empty(), ClassificationSpec.Activation.NONE, TOP_K,
                        Optional.empty(), 0, 1f);
            }
        };
    }

    // ---- detection ----

    private long[] detect(Path model, ModelSession session, Resolved resolved, Map<String, Double> metrics) {
        if (!(resolved.declaration().spec().output() instanceof DetectionSpec declared)) {
            throw invalid("Model " + model.getFileName() + " declares no detection output (task = detection in its"
                    + " pipeline, from " + resolved.source() + "), but the data has boxes; give --pipeline-from"
                    + " with a detector's original model, or use --task tensor against a reference");
        }
        DetectionSpec evaluation = new DetectionSpec(declared.format(), declared.output(), declared.scoresOutput(),
                declared.boxesOutput(), declared.anchorsOutput(), declared.strides(), DETECTION_SCORE_THRESHOLD,
                declared.iouThreshold(), DETECTION_MAX_BOXES, declared.classWise(), Optional.empty());
        Pipeline pipeline = Pipeline.create(session, new PipelineSpec(resolved.declaration().spec().image(), evaluation),
                Optional.of(List.of()));
        List<EvalData.Sample> samples = data.samples();
        List<MeanAveragePrecision.Truth> truths = new ArrayList<>();
        List<MeanAveragePrecision.Scored> predictions = new ArrayList<>();
        long[] latencies = new long[samples.size()];
        String label = model.getFileName() + " detect";
        for (int i = 0; i < samples.size(); i++) {
            EvalData.Sample sample = samples.get(i);
            for (Box box : sample.boxes()) {
                truths.add(new MeanAveragePrecision.Truth(i, box));
            }
            PipelineRun run = pipeline.run(sample.image());
            for (Detection box : run.only().detections()) {
                predictions.add(new MeanAveragePrecision.Scored(i, box.score(),
                        new Box(box.classIndex(), box.x1(), box.y1(), box.x2(), box.y2())));
            }
            latencies[i] = run.inference().toNanos();
            progress.update(label, i + 1, samples.size());
        }
        metrics.put(EvalResult.MAP50, MeanAveragePrecision.meanAveragePrecision(truths, predictions, 0.5));
        metrics.put(EvalResult.MAP50_95, MeanAveragePrecision.meanAveragePrecision50to95(truths, predictions));
        return latencies;
    }

    // ---- fidelity ----

    private List<OutputFidelity> compare(Path model, ModelSession session, RawRun raw, Path reference,
            RawRun referenceRun) {
        List<String> modelNames = names(raw.outputs());
        List<String> referenceNames = names(referenceRun.outputs());
        boolean byName = modelNames.containsAll(referenceNames);
        if (!byName && modelNames.size() != referenceNames.size()) {
            throw invalid("Model " + model.getFileName() + " has outputs " + modelNames + " and reference "
                    + reference.getFileName() + " has " + referenceNames + "; expected the same names, or the same"
                    + " number of outputs (then compared in order)");
        }
        List<OutputFidelity> results = new ArrayList<>();
        for (int o = 0; o < referenceNames.size(); o++) {
            String referenceName = referenceNames.get(o);
            String name = byName ? referenceName : modelNames.get(o);
            TensorSpec spec = raw.outputs().stream().filter(output -> output.name().equals(name)).findFirst().orElseThrow();
            int skip = raw.skipped().getOrDefault(name, 0);
            int referenceSkip = referenceRun.skipped().getOrDefault(referenceName, 0);
            FidelityAccumulator accumulator = new FidelityAccumulator(name, referenceName,
                    isVector(spec) && raw.values().getFirst().get(name).length - skip >= 2);
            for (int i = 0; i < raw.values().size(); i++) {
                try {
                    accumulator.add(withoutFirst(referenceRun.values().get(i).get(referenceName), referenceSkip),
                            withoutFirst(raw.values().get(i).get(name), skip));
                } catch (IllegalArgumentException e) {
                    throw invalid("Model " + model.getFileName() + " does not fit reference " + reference.getFileName()
                            + ": " + e.getMessage());
                }
            }
            results.add(accumulator.result());
        }
        return results;
    }

    private static float[] withoutFirst(float[] values, int count) {
        return count == 0 ? values : Arrays.copyOfRange(values, Math.min(count, values.length), values.length);
    }

    /** One dimension besides the batch holds all values ([1,1000], [1,1000,1,1], [1000]). */
    static boolean isVector(TensorSpec spec) {
        List<Long> shape = spec.shape();
        if (shape.isEmpty()) {
            return false;
        }
        List<Long> perSample = shape.size() == 1 ? shape : shape.subList(1, shape.size());
        return perSample.stream().filter(dim -> dim != 1).count() == 1;
    }

    /** The summary metrics over all outputs (see {@link EvalResult}). */
    private static void summarize(List<OutputFidelity> fidelity, ModelSession session, Resolved resolved, Task task,
            Map<String, Double> metrics) {
        if (task != Task.EMBED) {
            Optional<String> classifierOutput = Optional.empty();
            if (resolved.declaration().spec().output() instanceof ClassificationSpec classification) {
                classifierOutput = classification.output().or(() -> session.outputs().size() == 1
                        ? Optional.of(session.outputs().getFirst().name()) : Optional.empty());
            }
            Optional<String> preferred = classifierOutput;
            fidelity.stream()
                    .filter(output -> output.agreementTop1().isPresent())
                    .filter(output -> preferred.isEmpty() || output.name().equals(preferred.get()))
                    .findFirst()
                    .ifPresent(output -> metrics.put(EvalResult.AGREEMENT_TOP1, output.agreementTop1().getAsDouble()));
        }
        metrics.put(EvalResult.COSINE_MEAN, fidelity.stream().mapToDouble(OutputFidelity::cosineMean).min().orElse(Double.NaN));
        metrics.put(EvalResult.COSINE_MIN, fidelity.stream().mapToDouble(OutputFidelity::cosineMin).min().orElse(Double.NaN));
        metrics.put(EvalResult.SQNR_DB, fidelity.stream().mapToDouble(OutputFidelity::sqnrDb).min().orElse(Double.NaN));
        metrics.put(EvalResult.MAX_ABS_ERROR, fidelity.stream().mapToDouble(OutputFidelity::maxAbsError).max().orElse(Double.NaN));
    }

    // ---- helpers ----

    private static List<String> names(List<TensorSpec> outputs) {
        return outputs.stream().map(TensorSpec::name).toList();
    }

    static long median(long[] values) {
        if (values.length == 0) {
            return 0;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static long requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new OptimizerException(OptimizerException.Code.IO, what + " " + file
                    + (Files.isDirectory(file) ? " is a folder" : " does not exist") + "; expected an .onnx file");
        }
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new OptimizerException(OptimizerException.Code.IO, "Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static OptimizerException invalid(String message) {
        return new OptimizerException(OptimizerException.Code.INVALID_OPTION, message);
    }

    private void requireOpen() {
        if (engine.isClosed()) {
            throw new IllegalStateException("Evaluator is closed");
        }
    }

    /** Releases the engine and the kept reference outputs. Idempotent. */
    @Override
    public void close() {
        references.clear();
        referenceKeys.clear();
        lastRun = null;
        lastKey = null;
        engine.close();
    }

    @Override
    public String toString() {
        return "Evaluator[" + data.describe() + "]";
    }
}
