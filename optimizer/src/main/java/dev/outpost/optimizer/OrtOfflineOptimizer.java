package dev.outpost.optimizer;

import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.optimizer.OptimizerException.Code;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * ONNX Runtime's graph optimizations done once, offline: the model is opened in ONNX Runtime at the
 * chosen {@link Level} and the optimized graph it builds is saved, as ONNX or in ORT format
 * (REFERENCE-INFERENCE.md 2.5). Devices then load a graph that needs no more rewriting.
 *
 * <ul>
 *   <li>{@link Level#BASIC}: constant folding, redundant node elimination, BatchNorm folded into Conv;
 *       the result uses standard ONNX operators only (what quantization pre-processing wants).</li>
 *   <li>{@link Level#EXTENDED} (default): BASIC plus fusions into {@code com.microsoft} operators
 *       ({@code FusedConv}, {@code QuickGelu}, ...); portable across CPUs, needs ONNX Runtime to run.</li>
 *   <li>{@link Level#ALL}: EXTENDED plus layout optimizations: {@code com.microsoft.nchwc} operators
 *       blocked for the SIMD width of <b>this</b> CPU (AVX2 vs AVX-512 block sizes differ). The saved model
 *       is hardware-specific: use it only on machines like the one that produced it. ONNX Runtime logs a
 *       warning saying so, and {@link Result#hardwareSpecific()} reports it.</li>
 * </ul>
 *
 * <p>{@link Format#ORT} writes ONNX Runtime's flatbuffer format ({@code .ort}; saved with
 * {@code session.save_model_format=ORT}, loaded back with {@code session.load_model_format=ORT}, which
 * {@link Fidelity} and ONNX Runtime also infer from the {@code .ort} suffix). Its value is in minimal ONNX
 * Runtime builds and mobile; on the full CPU build REFERENCE-INFERENCE.md 1.4 measured no session-creation
 * gain. model-format cannot read ORT format, so the operator histogram of an ORT output is taken from the
 * same optimization saved as ONNX.
 *
 * <p>The output is checked before it is moved into place: it must load in ONNX Runtime and match the
 * original within {@link Options#minCosine()} on seeded random inputs. Provenance
 * ({@code outpost.passes} with the level, format and ONNX Runtime version; {@code outpost.source_sha256})
 * is put into the model before ONNX Runtime saves it, so both formats carry it.
 *
 * <p>Thread-safe (holds only immutable options); does not own the engine.
 */
public final class OrtOfflineOptimizer {

    private static final System.Logger LOGGER = System.getLogger(OrtOfflineOptimizer.class.getName());

    /** How much ONNX Runtime rewrites. */
    public enum Level {
        /** Standard-operator rewrites only (constant folding, redundant nodes, BatchNorm folding). */
        BASIC,
        /** BASIC plus fusions into ONNX Runtime's contrib operators; portable across CPUs. */
        EXTENDED,
        /** EXTENDED plus NCHWc layouts for this CPU's SIMD width: hardware-specific. */
        ALL
    }

    /** The file format of the output. */
    public enum Format {
        /** An ONNX protobuf, readable by any ONNX tool (with ONNX Runtime's contrib operators above BASIC). */
        ONNX,
        /** ONNX Runtime's flatbuffer format, for minimal and mobile builds. */
        ORT
    }

    /**
     * How to optimize.
     *
     * @param level the optimization level
     * @param format the output format
     * @param verify whether the output is compared with the original in ONNX Runtime before it is kept
     * @param minCosine the smallest accepted cosine per output, in (0, 1]
     * @param fidelity the inputs and session of the comparison
     */
    public record Options(Level level, Format format, boolean verify, double minCosine, Fidelity.Options fidelity) {

        /** Checks every field. @throws OptimizerException INVALID_OPTION */
        public Options {
            Objects.requireNonNull(level, "level");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(fidelity, "fidelity");
            if (!(minCosine > 0 && minCosine <= 1)) {
                throw new OptimizerException(Code.INVALID_OPTION, "ORT optimization minCosine is " + minCosine
                        + "; expected a value in (0, 1]");
            }
        }

        /** {@code level} and {@code format}, verified at cosine 0.9999 on the default fidelity inputs. */
        public static Options of(Level level, Format format) {
            return new Options(level, format, true, 0.9999, Fidelity.Options.defaults());
        }

        /** EXTENDED, ONNX format, verified. */
        public static Options defaults() {
            return of(Level.EXTENDED, Format.ONNX);
        }

        /** These options with other fidelity inputs. */
        public Options withFidelity(Fidelity.Options newFidelity) {
            return new Options(level, format, verify, minCosine, newFidelity);
        }
    }

    /**
     * What the optimization did.
     *
     * @param level the level applied
     * @param format the output format
     * @param opsBefore operator histogram of the original ({@code domain:OpType}, the default domain as
     *     {@code OpType}), sorted by name
     * @param opsAfter operator histogram of the optimized graph
     * @param bytesBefore the original's file size
     * @param bytesAfter the output's file size
     * @param fidelity the comparison with the original, when verified
     */
    public record Result(Level level, Format format, Map<String, Integer> opsBefore, Map<String, Integer> opsAfter,
                         long bytesBefore, long bytesAfter, Optional<Fidelity.Report> fidelity) {

        /** Copies the maps. */
        public Result {
            opsBefore = Collections.unmodifiableMap(new TreeMap<>(opsBefore));
            opsAfter = Collections.unmodifiableMap(new TreeMap<>(opsAfter));
            Objects.requireNonNull(fidelity, "fidelity");
        }

        /** Nodes before. */
        public int nodesBefore() {
            return opsBefore.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Nodes after. */
        public int nodesAfter() {
            return opsAfter.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** True when the output has NCHWc operators, blocked for the producing CPU's SIMD width. */
        public boolean hardwareSpecific() {
            return opsAfter.keySet().stream().anyMatch(op -> op.startsWith("com.microsoft.nchwc:"));
        }

        @Override
        public String toString() {
            return "ort-optimize " + level.name().toLowerCase(Locale.ROOT) + " " + format + ": " + nodesBefore()
                    + " -> " + nodesAfter() + " nodes " + opsBefore + " -> " + opsAfter + ", " + bytesBefore + " -> "
                    + bytesAfter + " bytes" + (hardwareSpecific() ? ", hardware-specific (NCHWc)" : "")
                    + fidelity.map(f -> ", fidelity " + f).orElse("");
        }
    }

    /**
     * Parses a level name ({@code basic}, {@code extended}, {@code all}), in any case.
     *
     * @throws OptimizerException INVALID_OPTION naming the valid levels
     */
    public static Level parseLevel(String name) {
        for (Level level : Level.values()) {
            if (level.name().equalsIgnoreCase(name.trim())) {
                return level;
            }
        }
        throw new OptimizerException(Code.INVALID_OPTION, "Unknown ORT optimization level '" + name
                + "'; expected basic, extended or all");
    }

    private final InferenceEngine engine;
    private final Options options;

    private OrtOfflineOptimizer(InferenceEngine engine, Options options) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** An optimizer running on {@code engine} (not owned). */
    public static OrtOfflineOptimizer create(InferenceEngine engine, Options options) {
        return new OrtOfflineOptimizer(engine, options);
    }

    /** The options. */
    public Options options() {
        return options;
    }

    /**
     * Optimizes {@code source} and writes the result to {@code target} atomically; on any failure nothing
     * is written. The target's name should end in {@code .ort} for ORT format (not enforced).
     *
     * @throws OptimizerException IO, UNSUPPORTED_MODEL (ONNX Runtime cannot load the source),
     *     VERIFICATION_FAILED (the output does not load or differs beyond tolerance)
     */
    public Result optimize(Path source, Path target) {
        OnnxModel model = PassSupport.read(source);
        Map<String, Integer> before = histogram(model);
        String level = options.level().name().toLowerCase(Locale.ROOT);
        PassSupport.record(model, PassSupport.sha256(source), "ort-optimize(level=" + level + ",format="
                + options.format().name().toLowerCase(Locale.ROOT) + ",onnxruntime=" + engine.ortVersion() + ")");
        byte[] bytes = model.toBytes();
        if (options.level() == Level.ALL) {
            LOGGER.log(System.Logger.Level.WARNING, "Optimizing {0} at level all: the saved model has NCHWc layouts"
                    + " for this CPU and should only run on machines like it; use extended for a portable model",
                    source);
        }
        Path temporary = PassSupport.temporaryBeside(target, options.format() == Format.ORT ? ".ort" : ".onnx");
        try {
            save(bytes, temporary, options.format(), source);
            Map<String, Integer> after = options.format() == Format.ONNX ? histogram(PassSupport.read(temporary))
                    : histogramViaOnnx(bytes, target, source);
            Result result = new Result(options.level(), options.format(), before, after, PassSupport.size(source),
                    PassSupport.size(temporary), Optional.empty());
            if (options.verify()) {
                Fidelity.Report report = Fidelity.compare(engine, source, temporary, options.fidelity())
                        .requireCosine(options.minCosine(), "The " + level + "-optimized model");
                result = new Result(result.level(), result.format(), before, after, result.bytesBefore(),
                        result.bytesAfter(), Optional.of(report));
            }
            PassSupport.moveIntoPlace(temporary, target);
            return result;
        } finally {
            PassSupport.deleteQuietly(temporary);
        }
    }

    private void save(byte[] model, Path output, Format format, Path source) {
        SessionConfig config = SessionConfig.builder()
                .intraOpThreads(1)
                .optimizationLevel(switch (options.level()) {
                    case BASIC -> SessionConfig.OptimizationLevel.BASIC;
                    case EXTENDED -> SessionConfig.OptimizationLevel.EXTENDED;
                    case ALL -> SessionConfig.OptimizationLevel.ALL;
                })
                .optimizedModelPath(output)
                .configEntry("session.save_model_format", format.name())
                .build();
        try (ModelSession ignored = engine.open(model, config)) {
            // Creating the session optimizes the graph and saves it.
        } catch (InferenceException e) {
            throw new OptimizerException(Code.UNSUPPORTED_MODEL, "ONNX Runtime cannot load " + source
                    + " to optimize it: " + e.getMessage(), e);
        }
        if (!java.nio.file.Files.isRegularFile(output)) {
            throw new OptimizerException(Code.VERIFICATION_FAILED, "ONNX Runtime did not save the optimized model of "
                    + source + " to " + output);
        }
    }

    /** The histogram of an ORT-format output, from the same optimization saved as ONNX beside the target. */
    private Map<String, Integer> histogramViaOnnx(byte[] model, Path target, Path source) {
        Path onnx = PassSupport.temporaryBeside(target, ".onnx");
        try {
            save(model, onnx, Format.ONNX, source);
            return histogram(PassSupport.read(onnx));
        } finally {
            PassSupport.deleteQuietly(onnx);
        }
    }

    /** Node counts by {@code domain:OpType} ({@code OpType} for the default domain), sorted by name. */
    static Map<String, Integer> histogram(OnnxModel model) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Node node : model.graph().nodes()) {
            String domain = node.domain();
            String key = domain.isEmpty() || domain.equals("ai.onnx") ? node.opType() : domain + ":" + node.opType();
            counts.merge(key, 1, Integer::sum);
        }
        return counts;
    }
}
