package dev.outpost.benchmark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Compares two benchmark JSON files (schema {@value BenchJson#SCHEMA}) and flags regressions beyond the
 * measured noise. Reports are matched by model path, then by file name.
 *
 * <p>For each matched model and each metric (p50 latency, the scenario's metric latency, throughput),
 * each file's median and coefficient of variation come from its {@code runs}. The change is
 * {@code new median / old median - 1}. The tolerance is {@code max(floor, 2 * sqrt(cvOld^2 + cvNew^2))}:
 * about two standard deviations of the difference of two noisy figures (a CV is, for small spreads, the
 * standard deviation of the log). A file with a single run has no measured spread; its CV is taken as
 * the floor. When {@code ln(new / old)} is worse than the tolerance (latency up, throughput down) the
 * metric regressed; better by more than it, improved; otherwise it is within noise. The log makes the
 * rule symmetric: halving the throughput weighs as much as doubling the latency.
 *
 * <p>Immutable and thread-safe.
 *
 * @param oldFile the baseline file
 * @param newFile the file compared against it
 * @param floor the smallest tolerance, e.g. 0.05
 * @param findings one per matched model and metric
 * @param notes models found in only one file, and environment differences that make numbers incomparable
 */
public record BenchDiff(Path oldFile, Path newFile, double floor, List<Finding> findings, List<String> notes) {

    /** Exit status of {@code outpost bench-diff} when something regressed (3 is the SLA gate's). */
    public static final int EXIT_CODE = 4;
    /** The default floor of the tolerance: {@link Noise#DEFAULT_CV_THRESHOLD}. */
    public static final double DEFAULT_FLOOR = Noise.DEFAULT_CV_THRESHOLD;

    /** Copies the lists. */
    public BenchDiff {
        Objects.requireNonNull(oldFile, "oldFile");
        Objects.requireNonNull(newFile, "newFile");
        findings = List.copyOf(findings);
        notes = List.copyOf(notes);
    }

    /** What happened to one metric of one model. */
    public enum Verdict {
        /** Worse by more than the tolerance. */
        REGRESSED,
        /** Better by more than the tolerance. */
        IMPROVED,
        /** Within the tolerance. */
        WITHIN_NOISE
    }

    /**
     * One metric of one model in both files.
     *
     * @param model the model path (the new file's)
     * @param metric e.g. {@code "p90 latency"} or {@code "throughput"}
     * @param oldMedian median over the old file's runs
     * @param newMedian median over the new file's runs
     * @param change {@code newMedian / oldMedian - 1}
     * @param tolerance the noise allowance used
     * @param verdict the outcome
     */
    public record Finding(String model, String metric, double oldMedian, double newMedian, double change,
            double tolerance, Verdict verdict) {

        /** Requires every part. */
        public Finding {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(metric, "metric");
            Objects.requireNonNull(verdict, "verdict");
        }
    }

    /** A metric read from each run: its name, the JSON path under a run, and its direction. */
    private record Metric(String name, String latencyKey, boolean lowerIsBetter) {
    }

    /**
     * Reads both files and compares them.
     *
     * @param floor the smallest tolerance, in (0, 1)
     * @throws BenchmarkException ({@code IO}) a file cannot be read; ({@code INVALID_REPORT}) a file is not
     *     JSON or not of schema {@value BenchJson#SCHEMA}; ({@code INVALID_SETTING}) a bad floor
     */
    public static BenchDiff compare(Path oldFile, Path newFile, double floor) {
        if (!(floor > 0 && floor < 1)) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "Noise floor is " + floor
                    + "; expected a fraction between 0 and 1, e.g. 0.05");
        }
        List<Map<String, Object>> oldReports = reports(oldFile);
        List<Map<String, Object>> newReports = reports(newFile);
        List<Finding> findings = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Map<String, Object>> unmatched = new ArrayList<>(oldReports);
        for (Map<String, Object> newReport : newReports) {
            Map<String, Object> oldReport = match(unmatched, newReport);
            String model = modelPath(newFile, newReport);
            if (oldReport == null) {
                notes.add(model + ": only in " + newFile);
                continue;
            }
            unmatched.remove(oldReport);
            environmentNotes(model, oldReport, newReport, notes);
            for (Metric metric : metrics(newFile, newReport)) {
                findings.add(finding(model, metric, values(oldFile, oldReport, metric), values(newFile, newReport, metric),
                        floor));
            }
        }
        unmatched.forEach(report -> notes.add(modelPath(oldFile, report) + ": only in " + oldFile));
        return new BenchDiff(oldFile, newFile, floor, findings, notes);
    }

    /** True when any finding regressed. */
    public boolean regressed() {
        return findings.stream().anyMatch(finding -> finding.verdict() == Verdict.REGRESSED);
    }

    /** A text table: one line per finding, then the notes and a summary line. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("bench-diff ").append(oldFile).append(" -> ").append(newFile).append(System.lineSeparator());
        for (Finding finding : findings) {
            boolean latency = finding.metric().endsWith("latency");
            out.append(String.format(Locale.ROOT, "  %-28s %-14s %12s -> %-12s %+7.1f%% (noise +-%.1f%%)  %s%n",
                    Units.fileName(finding.model()), finding.metric(), figure(finding.oldMedian(), latency),
                    figure(finding.newMedian(), latency), finding.change() * 100, finding.tolerance() * 100,
                    finding.verdict().name().toLowerCase(Locale.ROOT).replace('_', ' ')));
        }
        notes.forEach(note -> out.append("  note: ").append(note).append(System.lineSeparator()));
        long regressions = findings.stream().filter(finding -> finding.verdict() == Verdict.REGRESSED).count();
        out.append(regressions == 0 ? "No regression beyond the measured noise." : regressions
                + " regression(s) beyond the measured noise.").append(System.lineSeparator());
        return out.toString();
    }

    private static String figure(double value, boolean latency) {
        return latency ? Units.nanos(value) : String.format(Locale.ROOT, "%.1f/s", value);
    }

    static Finding finding(String model, Metric metric, double[] oldValues, double[] newValues, double floor) {
        double oldMedian = median(oldValues);
        double newMedian = median(newValues);
        double oldCv = cvOrFloor(oldValues, floor);
        double newCv = cvOrFloor(newValues, floor);
        double tolerance = Math.max(floor, 2 * Math.sqrt(oldCv * oldCv + newCv * newCv));
        double change = oldMedian == 0 ? (newMedian == 0 ? 0 : Double.POSITIVE_INFINITY) : newMedian / oldMedian - 1;
        // Judged in log space, so that "3x slower" weighs the same for latency (+200%) and throughput (-67%).
        double logRatio = Math.log((newMedian + 1e-300) / (oldMedian + 1e-300));
        double worse = metric.lowerIsBetter() ? logRatio : -logRatio;
        Verdict verdict = worse > tolerance ? Verdict.REGRESSED : worse < -tolerance ? Verdict.IMPROVED : Verdict.WITHIN_NOISE;
        return new Finding(model, metric.name(), oldMedian, newMedian, change, tolerance, verdict);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double cvOrFloor(double[] values, double floor) {
        if (values.length < 2) {
            return floor;
        }
        double mean = Arrays.stream(values).average().orElseThrow();
        double variance = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (values.length - 1);
        return mean == 0 ? 0 : Math.sqrt(variance) / Math.abs(mean);
    }

    private static List<Metric> metrics(Path file, Map<String, Object> report) {
        Map<String, Object> settings = object(file, report, "settings");
        double percentile = number(file, settings, "metricPercentile");
        String scenario = string(file, settings, "scenario");
        List<Metric> metrics = new ArrayList<>();
        metrics.add(new Metric("p50 latency", "p50Ns", true));
        if (percentile != 50 && !scenario.equals(Scenario.OFFLINE.displayName())) {
            String key = "p" + (percentile == 99.9 ? "999" : Long.toString(Math.round(percentile))) + "Ns";
            Scenario parsed;
            try {
                parsed = Scenario.parse(scenario);
            } catch (BenchmarkException e) {
                throw invalid(file, "\"scenario\": " + e.getMessage());
            }
            metrics.add(new Metric(ComparisonResult.metricName(parsed), key, true));
        }
        metrics.add(new Metric("throughput", null, false));
        return metrics;
    }

    private static double[] values(Path file, Map<String, Object> report, Metric metric) {
        List<Object> runs = array(file, report, "runs");
        if (runs.isEmpty()) {
            throw invalid(file, "\"runs\" is empty; expected at least one run");
        }
        double[] values = new double[runs.size()];
        for (int i = 0; i < values.length; i++) {
            Map<String, Object> run = asObject(file, runs.get(i), "runs[" + i + "]");
            values[i] = metric.latencyKey() == null ? number(file, run, "samplesPerSecond")
                    : number(file, object(file, run, "latency"), metric.latencyKey());
        }
        return values;
    }

    private static void environmentNotes(String model, Map<String, Object> oldReport, Map<String, Object> newReport,
            List<String> notes) {
        Object oldEnvironment = oldReport.get("environment");
        Object newEnvironment = newReport.get("environment");
        if (oldEnvironment instanceof Map<?, ?> before && newEnvironment instanceof Map<?, ?> after) {
            for (String key : List.of("cpuModel", "cores", "ortVersion", "threads", "spinning", "pinning")) {
                if (!Objects.equals(before.get(key), after.get(key))) {
                    notes.add(model + ": environment differs in " + key + " (" + before.get(key) + " -> "
                            + after.get(key) + "); the difference may not be the model's");
                }
            }
        }
    }

    private static Map<String, Object> match(List<Map<String, Object>> candidates, Map<String, Object> report) {
        Object path = ((Map<?, ?>) report.getOrDefault("model", Map.of())).get("path");
        for (Map<String, Object> candidate : candidates) {
            if (Objects.equals(((Map<?, ?>) candidate.getOrDefault("model", Map.of())).get("path"), path)) {
                return candidate;
            }
        }
        String name = path == null ? null : Units.fileName(path.toString());
        for (Map<String, Object> candidate : candidates) {
            Object other = ((Map<?, ?>) candidate.getOrDefault("model", Map.of())).get("path");
            if (name != null && other != null && Units.fileName(other.toString()).equals(name)) {
                return candidate;
            }
        }
        return null;
    }

    private static String modelPath(Path file, Map<String, Object> report) {
        return string(file, object(file, report, "model"), "path");
    }

    /** The reports of one file, after checking it is JSON of the expected schema. */
    static List<Map<String, Object>> reports(Path file) {
        Object document = JsonIn.readFile(file, "outpost bench --json");
        if (!(document instanceof Map<?, ?>)) {
            throw invalid(file, "the document is not a JSON object; expected {\"schema\": \"" + BenchJson.SCHEMA + "\", ...}");
        }
        Map<String, Object> root = asObject(file, document, "document");
        Object schema = root.get("schema");
        if (!BenchJson.SCHEMA.equals(schema)) {
            throw invalid(file, "schema is " + (schema == null ? "missing" : "'" + schema + "'") + "; expected '"
                    + BenchJson.SCHEMA + "'");
        }
        List<Map<String, Object>> reports = new ArrayList<>();
        List<Object> entries = array(file, root, "reports");
        for (int i = 0; i < entries.size(); i++) {
            reports.add(asObject(file, entries.get(i), "reports[" + i + "]"));
        }
        return reports;
    }

    private static Map<String, Object> object(Path file, Map<String, Object> parent, String key) {
        return asObject(file, parent.get(key), "\"" + key + "\"");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Path file, Object value, String what) {
        if (!(value instanceof LinkedHashMap<?, ?> map)) {
            throw invalid(file, what + " is " + describe(value) + "; expected an object");
        }
        return (Map<String, Object>) map;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> array(Path file, Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof List<?> list)) {
            throw invalid(file, "\"" + key + "\" is " + describe(value) + "; expected an array");
        }
        return (List<Object>) list;
    }

    private static double number(Path file, Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof Double number)) {
            throw invalid(file, "\"" + key + "\" is " + describe(value) + "; expected a number");
        }
        return number;
    }

    private static String string(Path file, Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof String text)) {
            throw invalid(file, "\"" + key + "\" is " + describe(value) + "; expected a string");
        }
        return text;
    }

    private static String describe(Object value) {
        return value == null ? "missing or null" : value instanceof String ? "a string" : value instanceof Double
                ? "a number" : value instanceof List<?> ? "an array" : value instanceof Map<?, ?> ? "an object" : "a boolean";
    }

    private static BenchmarkException invalid(Path file, String message) {
        return new BenchmarkException(BenchmarkException.Code.INVALID_REPORT, file + ": " + message);
    }
}
