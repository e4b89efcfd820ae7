package dev.outpost.cli;

import dev.outpost.benchmark.BenchDiff;
import dev.outpost.benchmark.BenchmarkException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code outpost bench-diff OLD.json NEW.json}: flags regressions beyond the measured noise. */
@Command(
        name = "bench-diff",
        sortOptions = false,
        description = {
            "Compare two 'outpost bench --json' files (schema outpost.bench/1) and flag regressions beyond the"
                    + " measured noise. Models are matched by path, then by file name.",
            "",
            "Rule: for p50 latency, the scenario's metric latency (p90 or p99) and throughput, each file's median"
                    + " and coefficient of variation (CV) come from its runs (--repeat). change = new median / old"
                    + " median - 1; tolerance = max(FLOOR, 2 x sqrt(CV_old^2 + CV_new^2)), about two standard"
                    + " deviations of the difference. A file with one run has no measured spread: its CV counts as"
                    + " FLOOR (so single runs tolerate about 14%% at the default 5%%). When ln(new / old) is worse"
                    + " than the tolerance (latency up, throughput down) it is a regression; better, an"
                    + " improvement; else noise. The log makes halved throughput weigh as much as doubled latency."
        },
        footer = {
            "",
            "Examples:",
            "  outpost bench m.onnx --repeat 5 --json old.json   (before the change)",
            "  outpost bench m.onnx --repeat 5 --json new.json   (after it)",
            "  outpost bench-diff old.json new.json",
            "",
            "Exit status: 0 no regression, 1 a file is missing, not JSON or not schema outpost.bench/1,"
                    + " 2 usage error, 4 a regression (3 is kept for 'outpost bench --sla')."
        })
final class BenchDiffCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OLD.json", description = "The baseline benchmark file.")
    Path oldFile;

    @Parameters(index = "1", paramLabel = "NEW.json", description = "The benchmark file to check against it.")
    Path newFile;

    @Option(names = "--floor", paramLabel = "FRACTION", defaultValue = "0.05",
            description = "The smallest tolerance, and the CV assumed for a single run (default: ${DEFAULT-VALUE}).")
    double floor;

    @Override
    public Integer call() {
        BenchDiff diff;
        try {
            diff = BenchDiff.compare(oldFile, newFile, floor);
        } catch (BenchmarkException e) {
            if (e.code() == BenchmarkException.Code.INVALID_SETTING) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--floor: " + e.getMessage(), e);
            }
            throw new CliException(e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(diff.render());
        out.flush();
        return diff.regressed() ? BenchDiff.EXIT_CODE : 0;
    }
}
