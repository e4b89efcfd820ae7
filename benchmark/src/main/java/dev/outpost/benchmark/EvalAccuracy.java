package dev.outpost.benchmark;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Accuracies read from the JSON that {@code outpost eval --json} writes (schema {@value #SCHEMA}), for
 * attaching to a sweep. Only {@code results[].model} and {@code results[].metrics} are read, with this
 * module's own reader (the benchmark module does not depend on the optimizer). A benchmarked model is
 * matched by file name: {@code results[].model} {@code ../m/int8.onnx} matches a benchmarked
 * {@code /tmp/int8.onnx}. When several entries name the same file, the first (in file and then result
 * order) wins.
 *
 * <p>The accuracy of an entry is its first metric present of {@link #METRICS} (top-1, then detection
 * mAP, then top-5, then agreement with the reference); an entry with none of them is kept without an
 * accuracy.
 *
 * <p>Immutable and thread-safe.
 */
public final class EvalAccuracy {

    /** The schema this reader accepts. */
    public static final String SCHEMA = "outpost.eval/1";
    /** The metrics taken as the accuracy, in order of preference. */
    public static final List<String> METRICS = List.of("top1", "map50", "map50_95", "top5", "agreement_top1");

    /**
     * One model's accuracy.
     *
     * @param metric the metric's name in the eval JSON, e.g. {@code top1}
     * @param value its value, a fraction (0..1)
     * @param source the eval JSON file it came from
     */
    public record Accuracy(String metric, double value, String source) {

        /** Requires a name, a finite value and a source. */
        public Accuracy {
            Objects.requireNonNull(metric, "metric");
            Objects.requireNonNull(source, "source");
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("Accuracy " + metric + " is " + value + "; expected a finite number");
            }
        }
    }

    private final Map<String, Optional<Accuracy>> byFileName;
    private final List<Path> files;

    private EvalAccuracy(Map<String, Optional<Accuracy>> byFileName, List<Path> files) {
        this.byFileName = byFileName;
        this.files = List.copyOf(files);
    }

    /** No eval results attached. */
    public static EvalAccuracy none() {
        return new EvalAccuracy(Map.of(), List.of());
    }

    /**
     * Reads the given eval JSON files.
     *
     * @throws BenchmarkException {@code IO} when a file cannot be read; {@code INVALID_REPORT} when it is
     *     not JSON of schema {@value #SCHEMA}, naming the file and what is wrong
     */
    public static EvalAccuracy read(List<Path> files) {
        Map<String, Optional<Accuracy>> byFileName = new LinkedHashMap<>();
        for (Path file : files) {
            readOne(file).forEach(byFileName::putIfAbsent);
        }
        return new EvalAccuracy(byFileName, files);
    }

    /** The files read, in order. */
    public List<Path> files() {
        return files;
    }

    /** Whether any file was attached. */
    public boolean attached() {
        return !files.isEmpty();
    }

    /** The accuracy of {@code model} (a path; matched by file name), if an eval result names it and has one. */
    public Optional<Accuracy> forModel(String model) {
        return byFileName.getOrDefault(Units.fileName(model), Optional.empty());
    }

    private static Map<String, Optional<Accuracy>> readOne(Path file) {
        Object document = JsonIn.readFile(file, "outpost eval --json");
        if (!(document instanceof Map<?, ?> root)) {
            throw invalid(file, "the document is not a JSON object; expected {\"schema\": \"" + SCHEMA + "\", ...}");
        }
        Object schema = root.get("schema");
        if (!SCHEMA.equals(schema)) {
            throw invalid(file, "schema is " + (schema == null ? "missing" : "'" + schema + "'") + "; expected '"
                    + SCHEMA + "' (written by 'outpost eval --json')");
        }
        if (!(root.get("results") instanceof List<?> results)) {
            throw invalid(file, "\"results\" is missing or not an array");
        }
        Map<String, Optional<Accuracy>> found = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            if (!(results.get(i) instanceof Map<?, ?> result) || !(result.get("model") instanceof String model)) {
                throw invalid(file, "results[" + i + "] is not an object with a string \"model\"");
            }
            Object metrics = result.get("metrics");
            if (metrics != null && !(metrics instanceof Map<?, ?>)) {
                throw invalid(file, "results[" + i + "].metrics is not an object");
            }
            Optional<Accuracy> accuracy = Optional.empty();
            if (metrics instanceof Map<?, ?> values) {
                for (String metric : METRICS) {
                    if (values.get(metric) instanceof Double value && Double.isFinite(value)) {
                        accuracy = Optional.of(new Accuracy(metric, value, file.toString()));
                        break;
                    }
                }
            }
            found.putIfAbsent(Units.fileName(model), accuracy);
        }
        return found;
    }

    private static BenchmarkException invalid(Path file, String what) {
        return new BenchmarkException(BenchmarkException.Code.INVALID_REPORT, file + ": " + what);
    }
}
