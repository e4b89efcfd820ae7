package dev.outpost.benchmark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Renders reports as a plain-text table for a terminal: one row per figure, one column per model,
 * then the environment of the first report, noise warnings and the SLA verdict.
 *
 * <p>Stateless and thread-safe.
 */
public final class TerminalReport {

    private TerminalReport() {
    }

    private record Row(String label, Function<BenchReport, String> cell) {
    }

    private static final List<Row> ROWS = List.of(
            new Row("scenario", report -> report.settings().scenario().displayName()
                    + (report.batch() > 1 ? " (batch " + report.batch() + ")" : "")),
            new Row("queries", report -> Long.toString(report.representative().result().queries())),
            new Row("latency min", report -> Units.nanos(latency(report).minNanos())),
            new Row("latency p50", report -> Units.nanos(latency(report).p50Nanos())),
            new Row("latency p90", report -> Units.nanos(latency(report).p90Nanos())),
            new Row("latency p95", report -> Units.nanos(latency(report).p95Nanos())),
            new Row("latency p99", report -> Units.nanos(latency(report).p99Nanos())),
            new Row("latency p99.9", report -> Units.nanos(latency(report).p999Nanos())),
            new Row("early-stop p90", report -> earlyStopping(latency(report).earlyStoppingP90Nanos())),
            new Row("early-stop p99", report -> earlyStopping(latency(report).earlyStoppingP99Nanos())),
            new Row("latency max", report -> Units.nanos(latency(report).maxNanos())),
            new Row("latency mean", report -> Units.nanos(latency(report).meanNanos())),
            new Row("throughput", report -> fixed(report.samplesPerSecond(), 1) + " samples/s"),
            new Row("server best rate", report -> report.serverSearch().map(search -> search.bestQps() > 0
                    ? fixed(search.bestQps(), 1) + " qps (p99 <= " + Units.nanos(search.boundNanos()) + ")"
                    + (search.finalRunMetBound() ? "" : ", final run missed the bound")
                    : "none meets p99 <= " + Units.nanos(search.boundNanos())).orElse("-")),
            new Row("first inference", report -> Units.nanos(report.warmUp().firstQueryNanos())),
            new Row("load (warm)", report -> Units.nanos(report.warmLoadNanos())),
            new Row("cold start", report -> report.coldStart().map(cold -> Units.nanos(cold.processWallNanos())
                    + " (load " + Units.nanos(cold.loadNanos()) + ")").orElse("not measured")),
            new Row("peak RSS", report -> Units.bytes(report.memory().peakRssBytes())),
            new Row("native memory", report -> Units.bytes(report.memory().nativeBytes())),
            new Row("heap (peak)", report -> Units.bytes(report.memory().peakHeapUsedBytes())),
            new Row("model size", report -> Units.bytes(report.modelSizeBytes())),
            new Row("GMAC/s", report -> Double.isNaN(report.gmacsPerSecond()) ? "n/a (MACs unknown)"
                    : fixed(report.gmacsPerSecond(), 2)),
            new Row("of peak", report -> Double.isNaN(report.fractionOfPeak()) ? "n/a"
                    : fixed(report.fractionOfPeak() * 100, 1) + "% of " + report.threadsUsed() + " x "
                    + fixed(report.peakGmacsPerCore(), 1) + " (" + peakKind(report) + ", "
                    + (report.peak().source().startsWith("given") ? "given" : "ORT kernels") + ")"),
            new Row("CPU", report -> Double.isNaN(report.representative().cpu().utilization()) ? "n/a"
                    : fixed(report.representative().cpu().utilization() * 100, 0) + "% of "
                    + report.representative().cpu().cores() + " cores"),
            new Row("energy/sample", report -> report.representative().energy().available()
                    ? fixed(report.representative().energy().joulesPerSample() * 1e3, 3) + " mJ" : "unavailable"),
            new Row("harness overhead", report -> fixed(report.harnessOverheadNanos(), 0) + " ns/query ("
                    + fixed(report.overheadFraction() * 100, 3) + "% of p50)"),
            new Row("spread (CV)", report -> Double.isNaN(report.noise().cv()) ? "1 run"
                    : fixed(report.noise().cv() * 100, 1) + "% over " + report.runs().size() + " runs"));

    /** The table, the environment, warnings and (when {@code sla} is given) the verdict of each model. */
    public static String render(List<BenchReport> reports, Optional<Sla> sla) {
        List<String> header = new ArrayList<>();
        header.add("");
        reports.forEach(report -> header.add(fileName(report.model())));
        List<List<String>> table = new ArrayList<>();
        table.add(header);
        for (Row row : ROWS) {
            List<String> line = new ArrayList<>();
            line.add(row.label());
            reports.forEach(report -> line.add(row.cell().apply(report)));
            table.add(line);
        }
        StringBuilder out = new StringBuilder(Units.table(table, column -> column == 0));
        if (!reports.isEmpty()) {
            Environment environment = reports.get(0).environment();
            out.append('\n').append(String.format(Locale.ROOT, "CPU %s [%s], %d cores, %s; %s%n",
                    environment.cpuModel(), String.join(" ", environment.cpuFlags()), environment.cores(),
                    Units.bytes(environment.memoryBytes()), environment.os()));
            out.append(String.format(Locale.ROOT, "%s; ONNX Runtime %s, %s thread(s), spinning %s, providers %s,"
                    + " CPUs allowed %s, governor %s%n", environment.jvm(), environment.ortVersion(),
                    environment.threads() == 0 ? "default" : Integer.toString(environment.threads()),
                    environment.spinning() ? "on" : "off", environment.providers(), environment.pinning(),
                    environment.governor()));
        }
        for (BenchReport report : reports) {
            if (report.noise().tooNoisy()) {
                out.append("warning: ").append(fileName(report.model())).append(": ").append(report.noise().warning())
                        .append('\n');
            }
            if (sla.isPresent()) {
                List<Sla.Violation> violations = sla.get().evaluate(report);
                out.append("SLA ").append(fileName(report.model())).append(": ")
                        .append(violations.isEmpty() ? "all " + sla.get().budgets().size() + " budgets met"
                                : violations.size() + " of " + sla.get().budgets().size() + " budgets broken")
                        .append('\n');
                violations.forEach(violation -> out.append("  broken: ").append(violation.message()).append('\n'));
            }
        }
        return out.toString();
    }

    /** MLPerf's early-stopping estimate (99 % confidence), or why there is none. */
    private static String earlyStopping(long nanos) {
        return nanos < 0 ? "too few queries" : Units.nanos(nanos);
    }

    private static LatencyStats latency(BenchReport report) {
        return report.representative().result().latency();
    }

    /** Which peak the model's MAC mix is held against: FP32, INT8, or a blend of the two. */
    private static String peakKind(BenchReport report) {
        if (report.integerMacsPerSample() == 0) {
            return "FP32";
        }
        // Rounded down: a model with a few float MACs never reads as all-integer.
        return report.integerMacsPerSample() == report.macsPerSample() ? "INT8" : (long) Math.floor(
                100.0 * report.integerMacsPerSample() / report.macsPerSample()) + "% INT8 MACs";
    }

    private static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String fileName(String model) {
        Path name = Path.of(model).getFileName();
        return name == null ? model : name.toString();
    }
}
