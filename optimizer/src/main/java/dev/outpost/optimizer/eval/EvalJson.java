package dev.outpost.optimizer.eval;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluation results as JSON, for machines. Stateless and thread-safe.
 *
 * <pre>
 * {
 *   "schema": "outpost.eval/1",
 *   "data": {
 *     "path": "../shared/data/imagenet-samples",  the folder or file given
 *     "format": "labels_csv",                     mnist_idx | vww_labels | labels_csv | yolo | folder_per_class | images
 *     "task": "classify",                         classify | detect | embed | tensor
 *     "samples": 200,                             samples evaluated (after --limit)
 *     "available": 200,                           samples the data set holds
 *     "classes": 1000                             classes the data declares (0 without class labels)
 *   },
 *   "results": [ {                                one per model, in the order evaluated
 *     "model": "squeezenet-int8.onnx",            the path given
 *     "size_bytes": 1260000,
 *     "task": "classify",
 *     "samples": 200,
 *     "latency_median_ms": 3.2,                   median ONNX Runtime time of one sample
 *     "pipeline": "catalog of reference squeezenet1.0-fp32.onnx",  where pre/post-processing came from
 *     "reference": "squeezenet1.0-fp32.onnx",     or null
 *     "metrics": { "top1": 0.68, "top5": 0.89, "agreement_top1": 0.97, "cosine_mean": 0.999,
 *                  "cosine_min": 0.98, "sqnr_db": 31.2, "max_abs_error": 0.01 },
 *     "outputs": [ {                              per output, with a reference only
 *       "name": "softmaxout_1", "reference_name": "softmaxout_1", "values_per_sample": 1000,
 *       "agreement_top1": 0.97,                   vector-shaped outputs only, else absent
 *       "cosine_mean": 0.999, "cosine_min": 0.98, "sqnr_db": 31.2, "max_abs_error": 0.01 } ]
 *   } ]
 * }
 * </pre>
 * Metric names and meanings are those of {@link EvalResult}; accuracies are fractions (0..1). A metric
 * that was not measured is absent. A value that is not a finite number is written as {@code null}: an
 * {@code sqnr_db} of {@code null} with a {@code max_abs_error} of 0 means identical outputs (infinite SQNR).
 * Later schema versions only add fields.
 */
public final class EvalJson {

    /** The value of the {@code schema} field. */
    public static final String SCHEMA = "outpost.eval/1";

    private EvalJson() {
    }

    /** The JSON document for results evaluated on {@code data}, pretty-printed, ending with a newline. */
    public static String render(List<EvalResult> results, EvalData data) {
        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"schema\": ").append(string(SCHEMA)).append(",\n");
        json.append("  \"data\": {\"path\": ").append(string(data.path().toString()))
                .append(", \"format\": ").append(string(data.format().name().toLowerCase(Locale.ROOT)))
                .append(", \"task\": ").append(string(data.task().cliName()))
                .append(", \"samples\": ").append(data.size())
                .append(", \"available\": ").append(data.available())
                .append(", \"classes\": ").append(data.classCount()).append("},\n");
        json.append("  \"results\": [");
        for (int i = 0; i < results.size(); i++) {
            json.append(i == 0 ? "\n" : ",\n");
            result(json, results.get(i));
        }
        json.append(results.isEmpty() ? "]\n" : "\n  ]\n");
        return json.append("}\n").toString();
    }

    private static void result(StringBuilder json, EvalResult result) {
        json.append("    {\"model\": ").append(string(result.model().toString()))
                .append(", \"size_bytes\": ").append(result.modelBytes())
                .append(", \"task\": ").append(string(result.task().cliName()))
                .append(", \"samples\": ").append(result.samples())
                .append(", \"latency_median_ms\": ").append(number(result.latencyMedian().toNanos() / 1e6))
                .append(", \"pipeline\": ").append(string(result.pipeline()))
                .append(", \"reference\": ").append(result.reference().map(path -> string(path.toString())).orElse("null"))
                .append(",\n      \"metrics\": {");
        boolean first = true;
        for (Map.Entry<String, Double> metric : result.metrics().entrySet()) {
            json.append(first ? "" : ", ").append(string(metric.getKey())).append(": ").append(number(metric.getValue()));
            first = false;
        }
        json.append("},\n      \"outputs\": [");
        for (int i = 0; i < result.fidelity().size(); i++) {
            OutputFidelity output = result.fidelity().get(i);
            json.append(i == 0 ? "" : ", ").append("{\"name\": ").append(string(output.name()))
                    .append(", \"reference_name\": ").append(string(output.referenceName()))
                    .append(", \"values_per_sample\": ").append(output.valuesPerSample());
            output.agreementTop1().ifPresent(value -> json.append(", \"agreement_top1\": ").append(number(value)));
            json.append(", \"cosine_mean\": ").append(number(output.cosineMean()))
                    .append(", \"cosine_min\": ").append(number(output.cosineMin()))
                    .append(", \"sqnr_db\": ").append(number(output.sqnrDb()))
                    .append(", \"max_abs_error\": ").append(number(output.maxAbsError())).append('}');
        }
        json.append("]}");
    }

    /** A finite number in Java's shortest round-trip form (valid JSON); others as null. */
    static String number(double value) {
        return Double.isFinite(value) ? Double.toString(value) : "null";
    }

    /** A JSON string literal with escapes. */
    static String string(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
