package dev.outpost.optimizer;

import dev.outpost.model.InferredTypes;
import dev.outpost.model.ModelFormatException;
import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Problem;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.SessionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Int8 quantization of an ONNX model, static (QDQ with calibrated activations) or dynamic (int8
 * weights, activations quantized at run time). The steps of a static run:
 * <ol>
 *   <li>pre-optimization with ONNX Runtime's basic level (constant folding, BatchNorm into Conv,
 *       Dropout removal), as ONNX Runtime's own {@code quant_pre_process} does;</li>
 *   <li>shape inference (Outpost's rules, then ONNX Runtime for what they leave open);</li>
 *   <li>opset upgrade to 13 when needed (per-channel DequantizeLinear);</li>
 *   <li>a {@linkplain QdqPlan plan} of what to quantize, calibration of only the tensors it needs,
 *       and the {@linkplain QdqRewriter rewrite};</li>
 *   <li>provenance and the original's pipeline declaration into the metadata, validation, an atomic
 *       write, and a check that ONNX Runtime loads the result and fuses it into integer kernels.</li>
 * </ol>
 * Nothing is written when any step fails.
 *
 * <p>Does not own the engine. Not thread-safe; one run at a time.
 */
public final class Quantizer {

    /** The metadata key recording the calibration data: sample count, description and digest. */
    public static final String CALIBRATION = "outpost.calibration";

    private final InferenceEngine engine;

    /** @param engine the engine for pre-optimization, shape inference, calibration and checks (not owned) */
    public Quantizer(InferenceEngine engine) {
        this.engine = engine;
    }

    /** Progress of a long step (calibration): a stage name and samples done out of total. */
    public record Progress(String stage, int done, int total) {
    }

    /**
     * Quantizes {@code source} into {@code output} with the given options; static quantization reads
     * {@code data}, dynamic ignores it (may be null).
     *
     * @throws OptimizerException with the step that failed and, for a model it cannot handle, the node
     */
    public QuantizationResult quantize(Path source, Path output, QuantizationOptions options, CalibrationData data,
            Consumer<Progress> progress) {
        return quantize(source, output, options, data, null, progress);
    }

    /**
     * Like {@link #quantize(Path, Path, QuantizationOptions, CalibrationData, Consumer)}, with mixed
     * precision when {@code budget} is given (static only): the nodes are ranked by {@link Sensitivity}
     * and the most sensitive 1, 2, 4, ... stay float until the metric is within the budget of the fp32
     * model's. When only keeping every node float meets it, nothing is written and the run fails with
     * the metrics tried (an int8 file that is really fp32 would mislead).
     */
    public QuantizationResult quantize(Path source, Path output, QuantizationOptions options, CalibrationData data,
            AccuracyBudget budget, Consumer<Progress> progress) {
        long started = System.nanoTime();
        if (options.mode() == QuantizationOptions.Mode.STATIC && data == null) {
            throw new OptimizerException(OptimizerException.Code.BAD_DATA,
                    "Static quantization needs calibration data (--calibration DIR|FILE, or random samples)");
        }
        String sourceSha = PassSupport.sha256(source);
        OnnxModel model = load(source, options.preOptimize());
        nameUnnamedNodes(model);
        constantsToInitializers(model);
        InferredTypes types = inferTypes(model);
        List<String> upgrades = upgrade(model, types, options);
        String calibration = "";
        int calibratedCount = 0;
        Map<String, Integer> quantizedOps;
        Map<String, String> keptFloat;
        List<AccuracyBudget.Step> steps = new java.util.ArrayList<>();
        List<String> sensitive = List.of();
        double baseline = Double.NaN;
        if (options.mode() == QuantizationOptions.Mode.STATIC) {
            QdqRewriter.Types qtypes = new QdqRewriter.Types(options.activations(), options.weights(),
                    options.effectiveReduceRange());
            java.util.function.BiFunction<dev.outpost.model.Graph, java.util.Set<String>, QdqPlan> planner =
                    (graph, exclude) -> QdqPlan.of(graph, types, options.perChannel(), options.depthwisePerChannel(),
                            options.excludeOps(), exclude);
            QdqPlan plan = planner.apply(model.graph(), options.excludeNodes());
            if (plan.quantizedOps.isEmpty()) {
                throw new OptimizerException(OptimizerException.Code.UNSUPPORTED_MODEL, "Nothing to quantize in "
                        + source + ": no Conv, Gemm, MatMul, Add, Mul, Concat or pooling node with float inputs"
                        + (plan.keptFloat.isEmpty() ? "" : "; kept float: " + plan.keptFloat));
            }
            Calibrator calibrator = new Calibrator(engine, options.method(), options.percentile(), options.bins(),
                    options.quantizedBins());
            Calibrator.Result calibrated = calibrator.calibrate(model, plan.tensorsToCalibrate(),
                    options.biasCorrection() ? plan.tensorsForBiasCorrection() : java.util.Set.of(), data,
                    step -> progress.accept(new Progress(step.stage(), step.done(), step.total())));
            Map<String, TensorRange> ranges = new java.util.HashMap<>(calibrated.ranges());
            int narrowed = calibrated.narrowed();
            OnnxModel fp32 = model;
            if (budget == null) {
                QdqRewriter.apply(model.graph(), plan, ranges, calibrated.channelMeans(), qtypes);
            } else {
                List<Sensitivity.NodeSqnr> ranking = Sensitivity.measure(engine, fp32,
                        graph -> planner.apply(graph, options.excludeNodes()), ranges, qtypes, data, 16);
                sensitive = ranking.stream().limit(10).map(n -> String.format(java.util.Locale.ROOT, "%s %.1f dB",
                        n.label(), n.sqnrDb())).toList();
                baseline = budget.evaluate().applyAsDouble(source);
                progress.accept(new Progress("mixed precision: fp32 " + budget.metric() + " " + baseline, 0,
                        ranking.size()));
                model = null;
                List<String> graphOrder = plan.quantizedNodes.stream().map(Node::name).toList();
                for (int k = 0; model == null; k = k == 0 ? 1 : Math.min(ranking.size(), k * 2)) {
                    if (k == ranking.size()) {
                        throw new OptimizerException(OptimizerException.Code.VERIFICATION_FAILED, String.format(
                                java.util.Locale.ROOT, "No int8 configuration of %s keeps %s within %s of fp32's %.4f:"
                                        + " tried %s; only every node in fp32 (the original) does. Nothing written;"
                                        + " try another --method, more --samples, or a larger budget",
                                source.getFileName(), budget.metric(), budget.maxDrop(), baseline, steps.stream()
                                        .map(step -> String.format(java.util.Locale.ROOT, "%d float (%s) %.4f",
                                                step.keptFloat(), step.order().label(), step.metric())).toList()));
                    }
                    // Two candidates per size: the k nodes whose own SQNR is lowest, and the first k in
                    // graph order (where error compounds most); the better one that meets the budget wins.
                    List<AccuracyBudget.Order> orders = k == 0 ? List.of(AccuracyBudget.Order.NONE)
                            : List.of(AccuracyBudget.Order.MOST_SENSITIVE, AccuracyBudget.Order.FIRST_IN_GRAPH);
                    Candidate best = null;
                    for (AccuracyBudget.Order order : orders) {
                        List<String> floatNodes = switch (order) {
                            case NONE -> List.of();
                            case MOST_SENSITIVE -> ranking.subList(0, k).stream().map(Sensitivity.NodeSqnr::node).toList();
                            case FIRST_IN_GRAPH -> graphOrder.subList(0, Math.min(k, graphOrder.size()));
                        };
                        Candidate candidate = mixedCandidate(fp32, floatNodes, options, planner, calibrator, data,
                                ranges, calibrated.channelMeans(), qtypes, source, budget);
                        steps.add(new AccuracyBudget.Step(order, k, candidate.metric()));
                        String which = k == 0 ? "all int8" : k + (k == 1 ? " node" : " nodes") + " float (" + order.label() + ")";
                        progress.accept(new Progress("mixed precision: " + which + ", " + budget.metric() + " "
                                + candidate.metric(), k, ranking.size()));
                        if (baseline - candidate.metric() <= budget.maxDrop()
                                && (best == null || candidate.metric() > best.metric())) {
                            best = candidate;
                            best.order = order;
                            best.floatNodes = floatNodes;
                        }
                    }
                    if (best != null) {
                        model = best.model();
                        plan = best.plan();
                        Map<String, Sensitivity.NodeSqnr> byName = new java.util.HashMap<>();
                        ranking.forEach(n -> byName.put(n.node(), n));
                        for (String name : best.floatNodes) {
                            Sensitivity.NodeSqnr node = byName.get(name);
                            String label = node != null ? node.label() : name;
                            String sqnr = node == null || Double.isInfinite(node.sqnrDb()) ? "exact in 8 bits"
                                    : String.format(java.util.Locale.ROOT, "SQNR %.1f dB", node.sqnrDb());
                            plan.keptFloat.put(label, "mixed precision: among " + best.order.describe(k) + " (" + sqnr + ")");
                        }
                    }
                }
            }
            calibration = data.description() + (narrowed == 0 ? "" : "; " + narrowed + " ranges narrowed to where a"
                    + " SiLU or Sigmoid reading them saturates");
            calibratedCount = ranges.size();
            quantizedOps = plan.quantizedOps;
            keptFloat = plan.keptFloat;
            model.putMetadata(CALIBRATION, data.size() + " samples: " + data.description() + "; digest " + data.digest());
        } else {
            DynamicRewriter.Summary summary = DynamicRewriter.apply(model.graph(), options);
            quantizedOps = summary.quantizedOps();
            keptFloat = summary.keptFloat();
        }
        String pass = options.mode() == QuantizationOptions.Mode.STATIC ? "int8-static" : "int8-dynamic";
        PassSupport.record(model, sourceSha, pass + "(" + options.describe() + ")");
        keepPipelineDeclaration(source, model);
        List<Problem> problems = model.validate().stream().filter(p -> p.severity() == Problem.Severity.ERROR).toList();
        if (!problems.isEmpty()) {
            throw new OptimizerException(OptimizerException.Code.VERIFICATION_FAILED, "The quantized model of "
                    + source + " does not validate (nothing written): " + problems);
        }
        Map<String, Integer> fused = fusedOps(model);
        PassSupport.write(model, output);
        return new QuantizationResult(source, output, PassSupport.size(source), PassSupport.size(output), options.typeChoice(), upgrades,
                quantizedOps, keptFloat, calibration, calibratedCount, fused, sensitive, baseline, steps,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** One mixed-precision candidate: its model, plan and metric (and, once chosen, why its nodes are float). */
    private static final class Candidate {
        private final OnnxModel model;
        private final QdqPlan plan;
        private final double metric;
        private AccuracyBudget.Order order;
        private List<String> floatNodes;

        Candidate(OnnxModel model, QdqPlan plan, double metric) {
            this.model = model;
            this.plan = plan;
            this.metric = metric;
        }

        OnnxModel model() {
            return model;
        }

        QdqPlan plan() {
            return plan;
        }

        double metric() {
            return metric;
        }
    }

    /** The fp32 model quantized with {@code floatNodes} (and the user's exclusions) kept float, and its metric. */
    private Candidate mixedCandidate(OnnxModel fp32, List<String> floatNodes, QuantizationOptions options,
            java.util.function.BiFunction<dev.outpost.model.Graph, java.util.Set<String>, QdqPlan> planner,
            Calibrator calibrator, CalibrationData data, Map<String, TensorRange> ranges,
            Map<String, double[]> channelMeans, QdqRewriter.Types qtypes, Path source, AccuracyBudget budget) {
        java.util.Set<String> exclude = new java.util.HashSet<>(options.excludeNodes());
        exclude.addAll(floatNodes);
        OnnxModel candidate = fp32.copy();
        QdqPlan candidatePlan = planner.apply(candidate.graph(), exclude);
        java.util.Set<String> missing = new java.util.LinkedHashSet<>(candidatePlan.tensorsToCalibrate());
        missing.removeAll(ranges.keySet());
        if (!missing.isEmpty()) {
            // a Relu no longer absorbed into a float node's output needs its own range
            ranges.putAll(calibrator.calibrate(fp32, missing, java.util.Set.of(), data, step -> { }).ranges());
        }
        QdqRewriter.apply(candidate.graph(), candidatePlan, ranges, channelMeans, qtypes);
        keepPipelineDeclaration(source, candidate);
        return new Candidate(candidate, candidatePlan, evaluateCandidate(candidate, budget));
    }

    private static double evaluateCandidate(OnnxModel candidate, AccuracyBudget budget) {
        Path temp = null;
        try {
            temp = Files.createTempFile("outpost-mixed-", ".onnx");
            candidate.write(temp);
            return budget.evaluate().applyAsDouble(temp);
        } catch (IOException e) {
            throw new OptimizerException(OptimizerException.Code.IO, "Cannot write a temporary file: "
                    + e.getMessage(), e);
        } finally {
            PassSupport.deleteQuietly(temp);
        }
    }

    private OnnxModel load(Path source, boolean preOptimize) {
        OnnxModel original = PassSupport.read(source);
        liftInitializersFromInputs(original);
        if (!preOptimize) {
            return original;
        }
        Path temp = null;
        try {
            temp = Files.createTempFile("outpost-preopt-", ".onnx");
            SessionConfig config = SessionConfig.builder()
                    .optimizationLevel(SessionConfig.OptimizationLevel.BASIC)
                    .intraOpThreads(1)
                    .optimizedModelPath(temp)
                    .build();
            try (ModelSession ignored = engine.open(original.toBytes(), config)) {
                // opening writes the optimized model
            }
            OnnxModel optimized = OnnxModel.read(temp);
            original.metadata().forEach(optimized::putMetadata);
            return optimized;
        } catch (InferenceException e) {
            throw new OptimizerException(OptimizerException.Code.UNSUPPORTED_MODEL, "ONNX Runtime cannot load "
                    + source + " for pre-optimization: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new OptimizerException(OptimizerException.Code.IO, "Cannot write a temporary file: "
                    + e.getMessage(), e);
        } finally {
            PassSupport.deleteQuietly(temp);
        }
    }

    /**
     * Turns Constant nodes with a tensor {@code value} into initializers of the same name, so that weights
     * written as Constant nodes (some exporters do, and pre-optimization may be off) are quantized too.
     */
    private static void constantsToInitializers(OnnxModel model) {
        var graph = model.graph();
        java.util.Set<String> outputs = new java.util.HashSet<>();
        graph.outputs().forEach(o -> outputs.add(o.name()));
        for (Node node : List.copyOf(graph.nodes(dev.outpost.model.Op.CONSTANT))) {
            var value = node.attributeTensor("value");
            if (value.isPresent() && !outputs.contains(node.output(0))) {
                String name = node.output(0);
                String initializer = graph.uniqueName(name + "_value");
                graph.addInitializer(initializer, value.get());
                for (Node reader : graph.consumers(name)) {
                    for (int i = 0; i < reader.inputCount(); i++) {
                        if (reader.input(i).equals(name)) {
                            reader.setInput(i, initializer);
                        }
                    }
                }
                graph.remove(node);
            }
        }
    }

    /** Gives every unnamed node a name from its first output, so that reports and --exclude-node can name it. */
    private static void nameUnnamedNodes(OnnxModel model) {
        for (Node node : model.graph().nodes()) {
            if (node.name().isEmpty() && node.outputCount() > 0) {
                node.setName(node.opType() + ":" + node.output(0));
            }
        }
    }

    /**
     * Older models (IR < 4) list every initializer as a graph input too, which makes it an overridable
     * input: ONNX Runtime then neither folds nor treats it as a constant weight. Quantized weights must
     * be constants, so such inputs are removed (the initializers stay).
     */
    private static void liftInitializersFromInputs(OnnxModel model) {
        var graph = model.graph();
        java.util.Set<String> inputs = new java.util.HashSet<>();
        graph.inputs().forEach(input -> inputs.add(input.name()));
        List<String> lifted = graph.initializers().stream().map(i -> i.name()).filter(inputs::contains).toList();
        lifted.forEach(graph::removeInput);
        if (model.irVersion() < 4) {
            model.setIrVersion(4);
        }
    }

    private InferredTypes inferTypes(OnnxModel model) {
        try {
            return model.inferShapes(new RuntimeShapeOracle(engine));
        } catch (ModelFormatException e) {
            throw new OptimizerException(OptimizerException.Code.UNSUPPORTED_MODEL, "Cannot infer the tensor"
                    + " shapes of the model: " + e.getMessage(), e);
        }
    }

    private static List<String> upgrade(OnnxModel model, InferredTypes types, QuantizationOptions options) {
        try {
            return OpsetUpgrade.apply(model, types);
        } catch (OptimizerException e) {
            long opset = model.opsetVersion("").orElse(1);
            if (!options.perChannel() && opset >= 10) {
                return List.of("kept opset " + opset + " (per-tensor only): " + e.getMessage());
            }
            throw e;
        }
    }

    /** Writes the original's pipeline declaration into the quantized model so that it serves and evaluates alike. */
    private void keepPipelineDeclaration(Path source, OnnxModel model) {
        SessionConfig config = SessionConfig.builder().optimizationLevel(SessionConfig.OptimizationLevel.NONE)
                .intraOpThreads(1).build();
        try (ModelSession session = engine.open(source, config)) {
            Pipeline.Declaration declaration = Pipeline.declaredFor(source, session);
            if (declaration.source() != Pipeline.Declaration.Source.NONE) {
                declaration.spec().toModelMetadata().forEach(model::putMetadata);
            }
        } catch (InferenceException e) {
            // the original has no usable declaration; the quantized model simply has none either
        }
    }

    /** Operator histogram of the model after ONNX Runtime's extended optimizations (portable fusions). */
    private Map<String, Integer> fusedOps(OnnxModel model) {
        Path temp = null;
        try {
            temp = Files.createTempFile("outpost-fused-", ".onnx");
            SessionConfig config = SessionConfig.builder()
                    .optimizationLevel(SessionConfig.OptimizationLevel.EXTENDED)
                    .intraOpThreads(1)
                    .optimizedModelPath(temp)
                    .build();
            try (ModelSession ignored = engine.open(model.toBytes(), config)) {
                // opening writes the optimized model
            }
            Map<String, Integer> histogram = new TreeMap<>();
            for (Node node : OnnxModel.read(temp).graph().nodes()) {
                String key = node.domain().isEmpty() ? node.opType() : node.domain() + ":" + node.opType();
                histogram.merge(key, 1, Integer::sum);
            }
            return histogram;
        } catch (InferenceException e) {
            throw new OptimizerException(OptimizerException.Code.VERIFICATION_FAILED, "ONNX Runtime cannot load"
                    + " the quantized model (nothing written): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new OptimizerException(OptimizerException.Code.IO, "Cannot write a temporary file: "
                    + e.getMessage(), e);
        } finally {
            PassSupport.deleteQuietly(temp);
        }
    }
}
