package dev.outpost.model;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * Renders a {@link ModelReport} as compact JSON (hand-written, fixed key order; symbolic dimensions are
 * strings, unknown ones null) and as a terminal table. Stateless; internal.
 */
final class ReportFormat {

    private static final int TOP_NODES = 10;

    private ReportFormat() {
    }

    static String json(ModelReport report) {
        StringJoiner root = new StringJoiner(",", "{", "}");
        root.add(field("irVersion", Long.toString(report.irVersion())));
        root.add(field("opsets", object(report.opsets(), v -> Long.toString(v))));
        root.add(field("producer", "{" + field("name", quote(report.producerName())) + ","
                + field("version", quote(report.producerVersion())) + "}"));
        root.add(field("graphName", quote(report.graphName())));
        root.add(field("inputs", array(report.inputs(), ReportFormat::tensor)));
        root.add(field("outputs", array(report.outputs(), ReportFormat::tensor)));
        root.add(field("opHistogram", object(report.opHistogram(), v -> Integer.toString(v))));
        ModelReport.Parameters parameters = report.parameters();
        root.add(field("parameters", "{" + field("count", Long.toString(parameters.total().count())) + ","
                + field("bytes", Long.toString(parameters.total().bytes())) + ","
                + field("byElementType", objectKeyed(parameters.byElementType(), ElementType::onnxName, ReportFormat::totals))
                + "," + field("quantizationParameters", totals(parameters.quantizationParameters())) + "}"));
        ModelReport.Compute compute = report.compute();
        root.add(field("compute", "{" + field("totalMacs", Long.toString(compute.totalMacs())) + ","
                + field("integerMacs", Long.toString(compute.integerMacs())) + ","
                + field("batchAssumedOne", Boolean.toString(compute.batchAssumedOne())) + ","
                + field("uncounted", array(compute.uncounted(), ReportFormat::quote)) + ","
                + field("nodes", array(compute.nodes(), node -> "{" + field("node", quote(node.node())) + ","
                        + field("opType", quote(node.opType())) + "," + field("macs", Long.toString(node.macs())) + ","
                        + field("batchAssumedOne", Boolean.toString(node.batchAssumedOne())) + ","
                        + field("integer", Boolean.toString(node.integer())) + "}")) + "}"));
        ModelReport.ActivationMemory memory = report.activationMemory();
        root.add(field("activationMemory", "{" + field("peakBytes", Long.toString(memory.peakBytes())) + ","
                + field("peakNode", quote(memory.peakNode())) + ","
                + field("batchAssumedOne", Boolean.toString(memory.batchAssumedOne())) + ","
                + field("excludedTensors", array(memory.excludedTensors(), ReportFormat::quote)) + "}"));
        root.add(field("quantization", quote(report.quantization().name())));
        root.add(field("metadata", object(report.metadata(), ReportFormat::quote)));
        root.add(field("unresolvedTensors", object(report.unresolvedTensors(), ReportFormat::quote)));
        return root.toString();
    }

    private static String tensor(ModelReport.TensorSummary tensor) {
        String shape;
        if (!tensor.shape().rankKnown()) {
            shape = "null";
        } else {
            shape = array(tensor.shape().dims(), dim -> dim.isKnown() ? Long.toString(dim.value())
                    : dim.isSymbolic() ? quote(dim.symbol()) : "null");
        }
        return "{" + field("name", quote(tensor.name())) + "," + field("elementType", quote(tensor.elementType().onnxName()))
                + "," + field("shape", shape) + "}";
    }

    private static String totals(ModelReport.Totals totals) {
        return "{" + field("count", Long.toString(totals.count())) + "," + field("bytes", Long.toString(totals.bytes())) + "}";
    }

    private static String field(String name, String json) {
        return quote(name) + ":" + json;
    }

    private static <V> String object(Map<String, V> map, Function<V, String> value) {
        return objectKeyed(map, Function.identity(), value);
    }

    private static <K, V> String objectKeyed(Map<K, V> map, Function<K, String> key, Function<V, String> value) {
        StringJoiner joiner = new StringJoiner(",", "{", "}");
        map.forEach((k, v) -> joiner.add(field(key.apply(k), value.apply(v))));
        return joiner.toString();
    }

    private static <T> String array(List<T> items, Function<T, String> item) {
        StringJoiner joiner = new StringJoiner(",", "[", "]");
        items.forEach(element -> joiner.add(item.apply(element)));
        return joiner.toString();
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
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

    static String text(ModelReport report) {
        StringBuilder out = new StringBuilder();
        row(out, "Graph", report.graphName());
        row(out, "Producer", (report.producerName() + " " + report.producerVersion()).trim());
        StringJoiner opsets = new StringJoiner(", ");
        report.opsets().forEach((domain, version) -> opsets.add(domain + " " + version));
        row(out, "IR / opsets", report.irVersion() + " / " + opsets);
        row(out, "Quantization", report.quantization().name());
        out.append("Inputs\n");
        report.inputs().forEach(t -> out.append(String.format(Locale.ROOT, "  %-40s %-8s %s%n", fit(t.name()),
                t.elementType().onnxName(), t.shape())));
        out.append("Outputs\n");
        report.outputs().forEach(t -> out.append(String.format(Locale.ROOT, "  %-40s %-8s %s%n", fit(t.name()),
                t.elementType().onnxName(), t.shape())));
        ModelReport.Parameters parameters = report.parameters();
        row(out, "Parameters", String.format(Locale.ROOT, "%,d (%s)", parameters.total().count(),
                bytes(parameters.total().bytes())));
        parameters.byElementType().forEach((type, totals) -> out.append(String.format(Locale.ROOT,
                "  %-40s %,d (%s)%n", type.onnxName(), totals.count(), bytes(totals.bytes()))));
        if (parameters.quantizationParameters().count() > 0) {
            out.append(String.format(Locale.ROOT, "  %-40s %,d (%s)%n", "of which scales/zero points",
                    parameters.quantizationParameters().count(), bytes(parameters.quantizationParameters().bytes())));
        }
        ModelReport.Compute compute = report.compute();
        row(out, "MACs", String.format(Locale.ROOT, "%.3f G%s%s%s", compute.totalMacs() / 1e9,
                compute.integerMacs() == 0 ? "" : String.format(Locale.ROOT, ", %.0f%% on 8-bit integers",
                        100.0 * compute.integerMacs() / Math.max(1, compute.totalMacs())),
                compute.batchAssumedOne() ? " (symbolic dims taken as 1)" : "",
                compute.uncounted().isEmpty() ? "" : " (" + compute.uncounted().size() + " nodes not counted)"));
        compute.nodes().stream().sorted(Comparator.comparingLong(ModelReport.NodeMacs::macs).reversed())
                .limit(TOP_NODES).forEach(node -> out.append(String.format(Locale.ROOT, "  %-40s %-14s %,15d%n",
                        fit(node.node()), node.opType(), node.macs())));
        ModelReport.ActivationMemory memory = report.activationMemory();
        row(out, "Activation peak", bytes(memory.peakBytes()) + " at node '" + fit(memory.peakNode()) + "'"
                + (memory.batchAssumedOne() ? " (symbolic dims taken as 1)" : ""));
        out.append("Operators\n");
        report.opHistogram().forEach((op, count) -> out.append(String.format(Locale.ROOT, "  %-40s %d%n", op, count)));
        if (!report.metadata().isEmpty()) {
            out.append("Metadata\n");
            report.metadata().forEach((key, value) -> out.append(String.format(Locale.ROOT, "  %-40s %s%n", key, value)));
        }
        if (!report.unresolvedTensors().isEmpty()) {
            out.append("Unresolved shapes\n");
            report.unresolvedTensors().forEach((name, reason) -> out.append(String.format(Locale.ROOT,
                    "  %-40s %s%n", name, reason)));
        }
        return out.toString();
    }

    /** A name cut in the middle to 40 characters, so tables stay aligned; start and end stay readable. */
    static String fit(String name) {
        return name.length() <= 40 ? name : name.substring(0, 18) + "..." + name.substring(name.length() - 19);
    }

    private static void row(StringBuilder out, String label, String value) {
        out.append(String.format(Locale.ROOT, "%-16s %s%n", label, value));
    }

    private static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.2f MiB", bytes / (1024.0 * 1024.0));
    }
}
