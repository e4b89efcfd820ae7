package dev.outpost.optimizer;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.Initializer;
import dev.outpost.model.InferredTypes;
import dev.outpost.model.ModelFormatException;
import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.Problem;
import dev.outpost.model.TensorData;
import dev.outpost.model.ValueInfo;
import dev.outpost.model.ValueType;
import dev.outpost.optimizer.OptimizerException.Code;
import dev.outpost.runtime.InferenceEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Converts a float32 model to float16: float initializers, {@code Constant} values, {@code Cast}s to
 * float and the types of intermediate tensors become float16, as {@code onnxconverter-common}'s
 * {@code convert_float_to_float16} does (REFERENCE-INFERENCE.md 2.5).
 *
 * <ul>
 *   <li><b>Constants are clamped</b> into float16's useful range: a non-zero magnitude below
 *       {@link Options#minPositive()} (default 1e-7) becomes that value with its sign, a finite magnitude
 *       above {@link Options#maxFinite()} (default 1e4) becomes that value; zero stays zero, infinities
 *       and NaN stay what they are. {@link Result#clampedValues()} counts the clamped values.</li>
 *   <li><b>Blocked operators stay float32</b>, with {@code Cast}s on the float tensors that cross between
 *       the float16 and float32 parts. {@link #DEFAULT_BLOCKED_OPS} has the operators that ONNX does not
 *       define for float16, whose float outputs are set by an attribute, or that are numerically
 *       sensitive in float16 (index and box outputs: {@code TopK}, {@code NonMaxSuppression},
 *       {@code RoiAlign}; {@code CumSum}'s running sums): onnxconverter-common's default block list plus
 *       the random and quantization operators. Operators of other domains ({@code com.microsoft},
 *       {@code ai.onnx.ml}, custom) are always kept float32. {@code Softmax} is <i>not</i> blocked: ONNX
 *       Runtime's float16 kernels accumulate in float32; add it with {@link Builder#blockOp} if a model
 *       needs it. Inputs that ONNX types as float whatever the data are left float32 even on a converted
 *       node ({@code Resize}'s {@code scales}).</li>
 *   <li><b>Graph inputs and outputs stay float32</b> by default ({@code keep_io_types}): a {@code Cast}
 *       at the boundary, so callers feed and read the same tensors as before. With
 *       {@link Builder#keepIoTypes(boolean) keepIoTypes(false)} they become float16.</li>
 *   <li>Models with subgraphs ({@code If}, {@code Loop}, {@code Scan}) are refused (UNSUPPORTED_MODEL).</li>
 * </ul>
 *
 * <p><b>What it buys.</b> The file is about half the size. On x86 CPUs that is all: ONNX Runtime's CPU
 * provider has almost no float16 kernels, so it puts {@code Cast}s back around every operator and folds
 * the float16 weights back to float32 when the session is created; REFERENCE-INFERENCE.md 1.4 measured
 * no speed-up (ResNet-50 77 vs 76 ms) or a slow-down (MobileNetV2 +21 %). On GPUs (CUDA, TensorRT,
 * DirectML) and ARM CPUs with float16 arithmetic the converted model runs natively in float16.
 *
 * <p>{@link #convert(Path, Path)} checks the result: it must validate, load in ONNX Runtime and match
 * the original's outputs on seeded random inputs with cosine at least {@link Options#minCosine()}
 * (default 0.999) on every output; else nothing is written. Provenance ({@code outpost.passes},
 * {@code outpost.source_sha256}) is added to the output's {@code metadata_props}.
 *
 * <p>Thread-safe (holds only immutable options); does not own the engine.
 */
public final class Fp16Converter {

    /** The largest finite float16 value. */
    public static final float FLOAT16_MAX = 65504f;

    /**
     * Operators kept in float32 by default: onnxconverter-common's {@code DEFAULT_OP_BLOCK_LIST} (its
     * {@code ai.onnx} entries; {@code ai.onnx.ml} operators are kept float32 as another domain), plus
     * the operators whose float output type comes from an attribute ({@code RandomNormal},
     * {@code RandomUniform}, {@code RandomNormalLike}, {@code Bernoulli}, {@code EyeLike}) and the
     * quantization operators (their scales are float32 before opset 19).
     */
    public static final Set<String> DEFAULT_BLOCKED_OPS = Set.copyOf(new TreeSet<>(List.of(
            "NonMaxSuppression", "TopK", "RoiAlign", "Range", "CumSum", "Min", "Max", "Upsample",
            "RandomUniformLike", "RandomNormalLike", "RandomNormal", "RandomUniform", "Bernoulli", "EyeLike",
            "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear")));

    private final InferenceEngine engine;
    private final Options options;

    private Fp16Converter(InferenceEngine engine, Options options) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A converter that resolves types and verifies results on {@code engine} (not owned). */
    public static Fp16Converter create(InferenceEngine engine, Options options) {
        return new Fp16Converter(engine, options);
    }

    /** The options. */
    public Options options() {
        return options;
    }

    /**
     * How the conversion is done. Build with {@link #builder()}; {@link #defaults()} keeps I/O float32.
     *
     * @param keepIoTypes true: graph inputs and outputs stay float32 with Casts at the boundary
     * @param blockedOps operator types (default domain) kept float32
     * @param blockedNodes node names kept float32
     * @param minPositive smallest non-zero magnitude of a converted constant, in (0, maxFinite)
     * @param maxFinite largest finite magnitude of a converted constant, at most {@value #FLOAT16_MAX}
     * @param verify whether {@link #convert(Path, Path)} compares the result with the original in ONNX Runtime
     * @param minCosine the smallest accepted cosine per output when verifying, in (0, 1]
     * @param fidelity the inputs and session of the verification
     */
    public record Options(boolean keepIoTypes, Set<String> blockedOps, Set<String> blockedNodes, float minPositive,
                          float maxFinite, boolean verify, double minCosine, Fidelity.Options fidelity) {

        /** Checks every field. @throws OptimizerException INVALID_OPTION naming the field and its valid range */
        public Options {
            blockedOps = Set.copyOf(new TreeSet<>(blockedOps));
            blockedNodes = Set.copyOf(new TreeSet<>(blockedNodes));
            Objects.requireNonNull(fidelity, "fidelity");
            if (blockedOps.stream().anyMatch(String::isBlank) || blockedNodes.stream().anyMatch(String::isBlank)) {
                throw invalid("blocked operator and node names must not be blank; received ops " + blockedOps
                        + ", nodes " + blockedNodes);
            }
            if (!(minPositive > 0 && maxFinite > minPositive && maxFinite <= FLOAT16_MAX)) {
                throw invalid("clamp range is [" + minPositive + ", " + maxFinite + "]; expected 0 < minPositive"
                        + " < maxFinite <= " + FLOAT16_MAX);
            }
            if (!(minCosine > 0 && minCosine <= 1)) {
                throw invalid("minCosine is " + minCosine + "; expected a value in (0, 1]");
            }
        }

        /** I/O kept float32, {@link #DEFAULT_BLOCKED_OPS}, clamping to [1e-7, 1e4], verification at cosine 0.999. */
        public static Options defaults() {
            return builder().build();
        }

        /** A builder starting from the defaults. */
        public static Builder builder() {
            return new Builder();
        }
    }

    /** Builds {@link Options}; each setter checks its value at once. Not thread-safe. */
    public static final class Builder {
        private boolean keepIoTypes = true;
        private final Set<String> blockedOps = new LinkedHashSet<>(DEFAULT_BLOCKED_OPS);
        private final Set<String> blockedNodes = new LinkedHashSet<>();
        private float minPositive = 1e-7f;
        private float maxFinite = 1e4f;
        private boolean verify = true;
        private double minCosine = 0.999;
        private Fidelity.Options fidelity = Fidelity.Options.defaults();

        private Builder() {
        }

        /** True (default): graph I/O stays float32 with Casts at the boundary; false: I/O becomes float16. */
        public Builder keepIoTypes(boolean keep) {
            this.keepIoTypes = keep;
            return this;
        }

        /** Keeps operator {@code opType} (default domain) in float32, in addition to the ones listed already. */
        public Builder blockOp(String opType) {
            requireName(opType, "operator");
            blockedOps.add(opType);
            return this;
        }

        /** Replaces the blocked operators (an empty set converts every default-domain operator ONNX allows). */
        public Builder blockedOps(Collection<String> opTypes) {
            opTypes.forEach(op -> requireName(op, "operator"));
            blockedOps.clear();
            blockedOps.addAll(opTypes);
            return this;
        }

        /** Keeps the node named {@code nodeName} in float32. */
        public Builder blockNode(String nodeName) {
            requireName(nodeName, "node");
            blockedNodes.add(nodeName);
            return this;
        }

        /** The clamp range of converted constants (defaults 1e-7 and 1e4). */
        public Builder clampRange(float minPositive, float maxFinite) {
            this.minPositive = minPositive;
            this.maxFinite = maxFinite;
            return this;
        }

        /** Whether {@link Fp16Converter#convert(Path, Path)} verifies the result in ONNX Runtime (default true). */
        public Builder verify(boolean enabled) {
            this.verify = enabled;
            return this;
        }

        /** The smallest accepted cosine per output (default 0.999). */
        public Builder minCosine(double cosine) {
            this.minCosine = cosine;
            return this;
        }

        /** The inputs and session used to verify (default {@link Fidelity.Options#defaults()}). */
        public Builder fidelity(Fidelity.Options options) {
            this.fidelity = Objects.requireNonNull(options, "fidelity");
            return this;
        }

        /** The options. @throws OptimizerException INVALID_OPTION */
        public Options build() {
            return new Options(keepIoTypes, blockedOps, blockedNodes, minPositive, maxFinite, verify, minCosine,
                    fidelity);
        }

        private static void requireName(String name, String what) {
            if (name == null || name.isBlank()) {
                throw invalid("a blocked " + what + " name is blank; expected a non-empty name");
            }
        }
    }

    /**
     * What a conversion changed.
     *
     * @param nodesBefore nodes in the original graph
     * @param nodesAfter nodes in the converted graph (casts included)
     * @param convertedInitializers float initializers (and Constant values) now stored in float16
     * @param float32Initializers float initializers left float32 (read only by float32 parts)
     * @param clampedValues constant values moved into [minPositive, maxFinite]
     * @param castsInserted Cast nodes added at the boundaries between float16 and float32 parts
     * @param float32Nodes labels of the nodes that touch float tensors and stay float32 (blocked)
     * @param bytesBefore size of the original model (its file, for {@link #convert(Path, Path)})
     * @param bytesAfter size of the converted model (its file, provenance included, for {@link #convert(Path, Path)})
     * @param fidelity the comparison with the original, when {@link #convert(Path, Path)} verified it
     */
    public record Result(int nodesBefore, int nodesAfter, int convertedInitializers, int float32Initializers,
                         long clampedValues, int castsInserted, List<String> float32Nodes, long bytesBefore,
                         long bytesAfter, Optional<Fidelity.Report> fidelity) {

        /** Copies the list. */
        public Result {
            float32Nodes = List.copyOf(float32Nodes);
            Objects.requireNonNull(fidelity, "fidelity");
        }

        /** {@code bytesAfter / bytesBefore}; about 0.5 for a model whose size is its float weights. */
        public double sizeRatio() {
            return bytesBefore == 0 ? 1 : (double) bytesAfter / bytesBefore;
        }

        Result withFidelity(Fidelity.Report report) {
            return new Result(nodesBefore, nodesAfter, convertedInitializers, float32Initializers, clampedValues,
                    castsInserted, float32Nodes, bytesBefore, bytesAfter, Optional.of(report));
        }

        Result withSizes(long before, long after) {
            return new Result(nodesBefore, nodesAfter, convertedInitializers, float32Initializers, clampedValues,
                    castsInserted, float32Nodes, before, after, fidelity);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "fp16: %d -> %d bytes (%.3f), %d -> %d nodes, %d initializers"
                    + " converted, %d kept float32, %d values clamped, %d casts, %d float32 nodes%s", bytesBefore,
                    bytesAfter, sizeRatio(), nodesBefore, nodesAfter, convertedInitializers, float32Initializers,
                    clampedValues, castsInserted, float32Nodes.size(),
                    fidelity.map(f -> ", fidelity " + f).orElse(""));
        }
    }

    /**
     * Reads {@code source}, converts it, checks it (validation; with {@link Options#verify()}, loading in
     * ONNX Runtime and fidelity) and writes it to {@code target} atomically. On any failure nothing is
     * written and an existing {@code target} is left as it was.
     *
     * @throws OptimizerException IO, UNSUPPORTED_MODEL, VERIFICATION_FAILED
     */
    public Result convert(Path source, Path target) {
        OnnxModel model = PassSupport.read(source);
        String sha = PassSupport.sha256(source);
        Result result = apply(model);
        PassSupport.record(model, sha, "fp16(keep_io_types=" + options.keepIoTypes() + ",min_positive="
                + options.minPositive() + ",max_finite=" + options.maxFinite() + ")");
        Path temporary = PassSupport.temporaryBeside(target, ".onnx");
        try {
            PassSupport.write(model, temporary);
            result = result.withSizes(PassSupport.size(source), PassSupport.size(temporary));
            if (options.verify()) {
                result = result.withFidelity(Fidelity.compare(engine, source, temporary, options.fidelity())
                        .requireCosine(options.minCosine(), "The float16 model"));
            }
            PassSupport.moveIntoPlace(temporary, target);
            return result;
        } finally {
            PassSupport.deleteQuietly(temporary);
        }
    }

    /**
     * Converts {@code model} in place (copy it first to keep the original) and validates it.
     *
     * @throws OptimizerException UNSUPPORTED_MODEL (subgraphs, element types that cannot be resolved),
     *     VERIFICATION_FAILED when the converted graph does not validate
     */
    public Result apply(OnnxModel model) {
        long bytesBefore = model.serializedSize();
        int nodesBefore = model.graph().nodes().size();
        Conversion conversion = new Conversion(model, options, types(model));
        conversion.run();
        List<Problem> errors = model.validate().stream().filter(Problem::isError).toList();
        if (!errors.isEmpty()) {
            throw new OptimizerException(Code.VERIFICATION_FAILED, "The float16 model does not validate: " + errors);
        }
        return new Result(nodesBefore, model.graph().nodes().size(), conversion.convertedInitializers,
                conversion.float32Initializers, conversion.clamped, conversion.casts, conversion.float32Nodes,
                bytesBefore, model.serializedSize(), Optional.empty());
    }

    /** The element type of every tensor, resolved by Outpost's rules and, for the rest, by ONNX Runtime. */
    private Map<String, ElementType> types(OnnxModel model) {
        InferredTypes inferred;
        try {
            inferred = model.inferShapes(new RuntimeShapeOracle(engine));
        } catch (ModelFormatException e) {
            throw new OptimizerException(Code.UNSUPPORTED_MODEL, "Cannot convert to float16: the model's types do"
                    + " not resolve: " + e.getMessage(), e);
        }
        Map<String, ElementType> types = new HashMap<>();
        inferred.tensors().forEach((name, type) -> types.put(name, type.elementType()));
        for (var entry : inferred.unresolved().entrySet()) {
            model.graph().valueInfo(entry.getKey()).map(ValueInfo::elementType)
                    .filter(type -> type != ElementType.UNDEFINED)
                    .ifPresent(type -> types.put(entry.getKey(), type));
        }
        List<String> unknown = new ArrayList<>();
        for (Node node : model.graph().nodes()) {
            for (String tensor : node.outputs()) {
                if (!tensor.isEmpty() && !types.containsKey(tensor)) {
                    unknown.add(tensor + " (" + inferred.unresolved().getOrDefault(tensor, "not inferred") + ")");
                }
            }
        }
        if (!unknown.isEmpty()) {
            throw new OptimizerException(Code.UNSUPPORTED_MODEL, "Cannot convert to float16: the element types of "
                    + unknown.size() + " tensor(s) are unknown even to ONNX Runtime, e.g. "
                    + unknown.subList(0, Math.min(5, unknown.size())));
        }
        return types;
    }

    /** One conversion's state: the decisions per tensor and node, then the edits. */
    private static final class Conversion {
        private final OnnxModel model;
        private final Graph graph;
        private final Options options;
        private final Map<String, ElementType> types;
        private final long opset;
        /** The element type each float tensor has after conversion: FLOAT or FLOAT16. */
        private final Map<String, ElementType> after = new HashMap<>();
        private final Set<Node> blocked = new LinkedHashSet<>();
        private final Map<String, String> castCache = new HashMap<>();
        private final List<String> float32Nodes = new ArrayList<>();
        private int convertedInitializers;
        private int float32Initializers;
        private long clamped;
        private int casts;

        Conversion(OnnxModel model, Options options, Map<String, ElementType> types) {
            this.model = model;
            this.graph = model.graph();
            this.options = options;
            this.types = types;
            this.opset = model.opsetVersion("").orElse(OnnxModel.DEFAULT_OPSET);
        }

        void run() {
            refuseSubgraphs();
            Set<String> realInputs = new LinkedHashSet<>();
            graph.inputs().stream().map(ValueInfo::name).filter(name -> !graph.isInitializer(name))
                    .forEach(realInputs::add);
            List<Node> nodes = graph.nodes();
            for (Node node : nodes) {
                if (isBlocked(node)) {
                    blocked.add(node);
                    if (touchesFloat(node)) {
                        float32Nodes.add(node.label());
                    }
                }
            }
            decideTypes(nodes, realInputs);
            convertConstants(nodes);
            insertCasts(nodes);
            fixInputs(realInputs);
            fixOutputs();
            fixValueInfos();
            graph.sortTopologically();
        }

        private void refuseSubgraphs() {
            for (Node node : graph.nodes()) {
                if (node.attributeNames().isEmpty() || node.is(Op.CONSTANT)) {
                    continue;
                }
                for (Object value : node.attributes().values()) {
                    if (value instanceof Graph || value instanceof List<?> list && !list.isEmpty()
                            && list.get(0) instanceof Graph) {
                        throw new OptimizerException(Code.UNSUPPORTED_MODEL, "Cannot convert to float16: node "
                                + node.label() + " has a subgraph; float16 conversion of If/Loop/Scan bodies is"
                                + " not supported; convert a model without control flow");
                    }
                }
            }
        }

        private boolean isBlocked(Node node) {
            String domain = node.domain();
            if (!(domain.isEmpty() || domain.equals("ai.onnx"))) {
                return true;
            }
            if (options.blockedOps().contains(node.opType()) || options.blockedNodes().contains(node.name())) {
                return true;
            }
            if (node.is(Op.CAST) || node.is(Op.CONSTANT) || node.opType().equals("ConstantOfShape")) {
                return false;
            }
            // A float output not derived from a float input has its type set some other way: keep it float32.
            boolean floatOutput = node.outputs().stream().anyMatch(this::isFloat);
            boolean floatInput = node.inputs().stream().anyMatch(this::isFloat);
            return floatOutput && !floatInput;
        }

        private boolean touchesFloat(Node node) {
            return node.inputs().stream().anyMatch(this::isFloat) || node.outputs().stream().anyMatch(this::isFloat);
        }

        private boolean isFloat(String tensor) {
            return !tensor.isEmpty() && types.get(tensor) == ElementType.FLOAT;
        }

        /** The type node input {@code index} must have after conversion. */
        private ElementType required(Node node, int index) {
            if (blocked.contains(node)) {
                return ElementType.FLOAT;
            }
            if (node.opType().equals("Resize") && index == (opset >= 11 ? 2 : 1)) {
                return ElementType.FLOAT; // scales: tensor(float) in every Resize version
            }
            return ElementType.FLOAT16;
        }

        private boolean wantedAsFloat16(String tensor) {
            for (Node consumer : graph.consumers(tensor)) {
                List<String> inputs = consumer.inputs();
                for (int i = 0; i < inputs.size(); i++) {
                    if (inputs.get(i).equals(tensor) && required(consumer, i) == ElementType.FLOAT16) {
                        return true;
                    }
                }
            }
            return false;
        }

        private void decideTypes(List<Node> nodes, Set<String> realInputs) {
            Set<String> outputs = new LinkedHashSet<>();
            graph.outputs().forEach(o -> outputs.add(o.name()));
            for (Initializer initializer : graph.initializers()) {
                String name = initializer.name();
                if (initializer.elementType() == ElementType.FLOAT) {
                    boolean half = wantedAsFloat16(name) && !outputs.contains(name);
                    after.put(name, half ? ElementType.FLOAT16 : ElementType.FLOAT);
                }
            }
            for (String input : realInputs) {
                if (isFloat(input)) {
                    after.put(input, options.keepIoTypes() ? ElementType.FLOAT : ElementType.FLOAT16);
                }
            }
            for (Node node : nodes) {
                boolean half = !blocked.contains(node);
                if (half && node.is(Op.CONSTANT)) {
                    half = wantedAsFloat16(node.output(0));
                }
                for (String output : node.outputs()) {
                    if (isFloat(output)) {
                        after.put(output, half ? ElementType.FLOAT16 : ElementType.FLOAT);
                    }
                }
            }
        }

        private void convertConstants(List<Node> nodes) {
            for (Initializer initializer : graph.initializers()) {
                if (after.get(initializer.name()) == ElementType.FLOAT16
                        && initializer.elementType() == ElementType.FLOAT) {
                    initializer.set(toFloat16(initializer.data()));
                    convertedInitializers++;
                } else if (initializer.elementType() == ElementType.FLOAT) {
                    float32Initializers++;
                }
            }
            for (Node node : nodes) {
                if (blocked.contains(node) || node.outputCount() == 0
                        || after.get(node.output(0)) != ElementType.FLOAT16) {
                    continue;
                }
                if (node.is(Op.CONSTANT)) {
                    convertConstant(node);
                } else if (node.is(Op.CAST)) {
                    node.setAttribute("to", (long) ElementType.FLOAT16.code());
                } else if (node.opType().equals("ConstantOfShape")) {
                    TensorData value = node.attributeTensor("value").orElse(TensorData.ofFloats(new float[] {0f}, 1));
                    node.setAttribute("value", toFloat16(value));
                }
            }
        }

        private void convertConstant(Node node) {
            Optional<TensorData> value = node.attributeTensor("value");
            if (value.isPresent()) {
                node.setAttribute("value", toFloat16(value.get()));
            } else if (node.hasAttribute("value_float")) {
                float scalar = node.attributeFloat("value_float", 0f);
                node.removeAttribute("value_float");
                node.setAttribute("value", toFloat16(TensorData.ofFloats(new float[] {scalar})));
            } else if (node.hasAttribute("value_floats")) {
                float[] values = (float[]) node.attribute("value_floats").orElseThrow();
                node.removeAttribute("value_floats");
                node.setAttribute("value", toFloat16(TensorData.ofFloats(values, values.length)));
            } else {
                return;
            }
            convertedInitializers++;
        }

        /** Float tensors read by a node in the other precision get a Cast (one per tensor and type). */
        private void insertCasts(List<Node> nodes) {
            for (Node node : nodes) {
                List<String> inputs = node.inputs();
                for (int i = 0; i < inputs.size(); i++) {
                    String tensor = inputs.get(i);
                    ElementType have = after.get(tensor);
                    if (have == null || !isFloat(tensor)) {
                        continue;
                    }
                    ElementType need = required(node, i);
                    if (need != have) {
                        node.setInput(i, castOf(tensor, need));
                    }
                }
            }
        }

        private String castOf(String tensor, ElementType to) {
            String key = tensor + "\u0000" + to;
            String existing = castCache.get(key);
            if (existing != null) {
                return existing;
            }
            String name = graph.uniqueName(tensor + (to == ElementType.FLOAT16 ? "_fp16" : "_fp32"));
            castCache.put(key, name);
            // Callers rewire the reader first, so add() places the Cast before it.
            graph.add(Op.CAST, List.of(tensor), List.of(name), Map.of("to", (long) to.code()));
            after.put(name, to);
            types.put(name, ElementType.FLOAT);
            casts++;
            return name;
        }

        private void fixInputs(Set<String> realInputs) {
            if (options.keepIoTypes()) {
                return;
            }
            for (ValueInfo input : graph.inputs()) {
                if (realInputs.contains(input.name()) && input.elementType() == ElementType.FLOAT) {
                    graph.setValueInfo(new ValueInfo(input.name(), ElementType.FLOAT16, input.shape()));
                }
            }
        }

        /** Graph outputs get the I/O type: a Cast writes the output name when its producer is in the other precision. */
        private void fixOutputs() {
            ElementType want = options.keepIoTypes() ? ElementType.FLOAT : ElementType.FLOAT16;
            List<ValueInfo> declared = graph.outputs();
            Map<String, ValueType> restored = new LinkedHashMap<>();
            boolean renamed = false;
            for (ValueInfo output : declared) {
                String name = output.name();
                ValueType type = graph.valueType(name).orElse(new ValueType.TensorType(output.elementType(),
                        output.shape()));
                ElementType have = after.get(name);
                if (output.elementType() == ElementType.FLOAT && have != null) {
                    type = new ValueType.TensorType(want, output.shape());
                    if (have != want) {
                        String inner = graph.uniqueName(name + (have == ElementType.FLOAT16 ? "_fp16" : "_fp32"));
                        graph.rename(name, inner);
                        after.put(inner, have);
                        graph.add(Op.CAST, List.of(inner), List.of(name), Map.of("to", (long) want.code()));
                        casts++;
                        renamed = true;
                    }
                }
                restored.put(name, type);
            }
            if (renamed || !options.keepIoTypes()) {
                for (ValueInfo output : graph.outputs()) {
                    graph.removeOutput(output.name());
                }
                restored.forEach(graph::addOutput);
            }
        }

        /** value_info entries (and graph inputs that declare initializers) get the converted types. */
        private void fixValueInfos() {
            Set<String> outputs = new LinkedHashSet<>();
            graph.outputs().forEach(o -> outputs.add(o.name()));
            List<ValueInfo> declared = new ArrayList<>(graph.valueInfos());
            graph.inputs().stream().filter(i -> graph.isInitializer(i.name())).forEach(declared::add);
            for (ValueInfo info : declared) {
                if (info.elementType() == ElementType.FLOAT && after.get(info.name()) == ElementType.FLOAT16
                        && !outputs.contains(info.name())) {
                    graph.setValueInfo(new ValueInfo(info.name(), ElementType.FLOAT16, info.shape()));
                }
            }
        }

        private TensorData toFloat16(TensorData data) {
            if (data.elementType() != ElementType.FLOAT) {
                return data;
            }
            FloatBuffer values = ByteBuffer.wrap(data.bytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            ByteBuffer half = ByteBuffer.allocate(values.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
            float min = options.minPositive();
            float max = options.maxFinite();
            while (values.hasRemaining()) {
                float value = values.get();
                float magnitude = Math.abs(value);
                if (magnitude > 0 && magnitude < min) {
                    value = Math.copySign(min, value);
                    clamped++;
                } else if (magnitude > max && magnitude != Float.POSITIVE_INFINITY) {
                    value = Math.copySign(max, value);
                    clamped++;
                }
                half.putShort(Float.floatToFloat16(value));
            }
            return TensorData.ofRaw(ElementType.FLOAT16, half.array(), data.dims());
        }
    }

    private static OptimizerException invalid(String message) {
        return new OptimizerException(Code.INVALID_OPTION, "Fp16 options: " + message);
    }
}
