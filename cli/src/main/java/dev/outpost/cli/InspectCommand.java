package dev.outpost.cli;

import dev.outpost.model.ModelReport;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Problem;
import dev.outpost.optimizer.RuntimeShapeOracle;
import dev.outpost.runtime.InferenceEngine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code outpost inspect}: what a model is, what it costs, and whether it is valid. */
@Command(
        name = "inspect",
        sortOptions = false,
        description = {
            "Show what a model is, what it costs, and whether it is valid.",
            "",
            "Reports the IR version, opsets, producer, inputs and outputs,"
                    + " operator histogram, parameters by element type, MACs, an activation-memory estimate,"
                    + " the quantization form (fp32, fp16, QDQ int8, QOperator int8, dynamic int8) and the"
                    + " provenance in its metadata, then validates it (cycles, dangling inputs, duplicate"
                    + " outputs, unknown operators).",
            "",
            "Shapes come from Outpost's own rules; tensors they cannot resolve are asked of ONNX Runtime"
                    + " (turn that off with --no-ort)."
        },
        footer = {
            "",
            "Examples:",
            "  outpost inspect ../shared/models/yolox_nano.onnx",
            "  outpost inspect model.onnx --nodes          # MACs of every compute node",
            "  outpost inspect model.onnx --json > report.json",
            "",
            "Exit status: 0 when the model is valid, 1 when it cannot be read or has validation errors,"
                    + " 2 usage error."
        })
final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The .onnx model file.")
    Path model;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--nodes", description = "Also list the MACs of every compute node, largest first.")
    boolean nodes;

    @Option(names = "--no-ort", description = "Use only Outpost's shape rules; never load the model in ONNX Runtime.")
    boolean noOrt;

    @Override
    public Integer call() {
        OnnxModel onnx = OnnxModel.read(Inputs.model(model));
        ModelReport report;
        if (noOrt) {
            report = onnx.inspect();
        } else {
            try (InferenceEngine engine = InferenceEngine.create()) {
                report = onnx.inspect(new RuntimeShapeOracle(engine));
            }
        }
        List<Problem> problems = onnx.validate();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(withValidation(report.toJson(), problems));
        } else {
            out.println(model.getFileName() + " (" + Bytes.human(model) + ")");
            out.print(report.toText());
            if (nodes) {
                printNodes(out, report);
            }
            printProblems(out, problems);
        }
        out.flush();
        return problems.stream().anyMatch(p -> p.severity() == Problem.Severity.ERROR) ? 1 : 0;
    }

    private static void printNodes(PrintWriter out, ModelReport report) {
        long total = Math.max(1, report.compute().totalMacs());
        out.println();
        out.printf("%-40s %-22s %15s %7s%n", "node", "op", "MACs", "share");
        report.compute().nodes().stream()
                .sorted(Comparator.comparingLong(ModelReport.NodeMacs::macs).reversed())
                .forEach(node -> out.printf(Locale.ROOT, "%-40s %-22s %,15d %6.2f%%%n", Text.fit(node.node(), 40),
                        node.opType(),
                        node.macs(), 100.0 * node.macs() / total));
    }

    private static void printProblems(PrintWriter out, List<Problem> problems) {
        out.println();
        if (problems.isEmpty()) {
            out.println("Validation: no problems");
            return;
        }
        out.println("Validation: " + problems.size() + " problem(s)");
        for (Problem problem : problems) {
            out.println("  " + problem.severity() + " " + problem.code() + ": " + problem.message());
        }
    }

    private static String withValidation(String reportJson, List<Problem> problems) {
        StringBuilder out = new StringBuilder(reportJson.substring(0, reportJson.lastIndexOf('}')));
        out.append(",\"validation\":[");
        for (int i = 0; i < problems.size(); i++) {
            Problem problem = problems.get(i);
            out.append(i > 0 ? "," : "").append("{\"severity\":").append(Text.json(problem.severity().name()))
                    .append(",\"code\":").append(Text.json(problem.code().name()))
                    .append(",\"message\":").append(Text.json(problem.message())).append('}');
        }
        return out.append("]}").toString();
    }
}
