package dev.outpost.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Writes benchmark reports as JSON, schema {@value #SCHEMA}. Keys always appear in the order below;
 * numbers that were not measured are {@code null}. Times are integer nanoseconds (keys end in
 * {@code Ns}), sizes integer bytes, rates per second. The version after the slash changes when a key is
 * removed or changes meaning; new keys may be added within a version. docs/bench-json.md documents
 * every key.
 *
 * <pre>
 * { "schema": "outpost.bench/1",
 *   "reports": [ {
 *     "model": {path, sizeBytes, macsPerSample, integerMacsPerSample},
 *     "settings": {scenario, metricPercentile, durationNs, minQueries, minSamples, samplesPerQuery,
 *                  warmupQueries, targetQps, latencyBoundNs, workers, seed, batch, inputs, repeat},
 *     "environment": {cpuModel, cpuFlags[], cores, memoryBytes, os, kernel, jvm, ortVersion, threads,
 *                     spinning, providers[], pinning, governor, commandLine},
 *     "load": {warmNs, cold: null | {processNs, engineNs, loadNs, firstRunNs}},
 *     "warmUp": {firstQueryNs, latency},
 *     "summary": {representativeRun, metric, median, cv, cvThreshold, tooNoisy, warning, latency,
 *                 samplesPerSecond, queriesPerSecond, serverBestQps, gmacsPerSecond, fractionOfPeak,
 *                 peakGmacsPerCore, peakInt8GmacsPerCore, peakHeldAgainstGmacsPerCore, peakSource, threadsUsed,
 *                 harnessOverheadNs, harnessOverheadFraction},
 *     "memory": {peakRssBytes, rssBytes, heapUsedBytes, peakHeapUsedBytes, heapCommittedBytes,
 *                directBytes, nativeBytes},
 *     "runs": [ {queries, samples, wallNs, samplesPerSecond, queriesPerSecond, targetQps, latency,
 *                cpu: {cpuNs, wallNs, cores, utilization},
 *                energy: {available, joules, joulesPerSample, source},
 *                serverSearch: null | {boundNs, capacityQps, bestQps, finalRunMetBound,
 *                                      trials: [{targetQps, p99Ns, queries, metBound}]}} ],
 *     "sla": null | {passed, budgets: [text], violations: [{budget, actual, message}]} } ],
 *   "sweep": (only with --sweep) {scenario, threads[], batches[], providers[], evalFiles[],
 *             points: [ {model, threads, batch, provider, report, skipped, p50Ns, p90Ns, p99Ns,
 *                        samplesPerSecond, gmacsPerSecond, accuracy: null | {metric, value, source}} ]} }
 * latency = {count, minNs, p50Ns, p90Ns, p95Ns, p99Ns, p999Ns, maxNs, meanNs}
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class BenchJson {

    /** The schema name and version written as {@code "schema"}. */
    public static final String SCHEMA = "outpost.bench/1";

    private BenchJson() {
    }

    /** The JSON document for {@code reports}, with each report's SLA verdict when {@code sla} is given. */
    public static String toJson(List<BenchReport> reports, Optional<Sla> sla) {
        return toJson(reports, sla, Optional.empty());
    }

    /**
     * The JSON document for a sweep: {@code reports} holds the measured points' reports in sweep order
     * and {@code sweep} the table (each point's {@code report} indexes into {@code reports}).
     */
    public static String toJson(SweepResult sweep) {
        return toJson(sweep.reports(), Optional.empty(), Optional.of(sweep));
    }

    private static String toJson(List<BenchReport> reports, Optional<Sla> sla, Optional<SweepResult> sweep) {
        JsonOut json = new JsonOut().beginObject().field("schema", SCHEMA).key("reports").beginArray();
        for (BenchReport report : reports) {
            report(json, report, sla);
        }
        json.endArray();
        sweep.ifPresent(result -> sweep(json, result));
        return json.endObject().toString() + "\n";
    }

    /**
     * Writes the sweep's document to {@code file}.
     *
     * @throws BenchmarkException ({@code IO}) when the file cannot be written
     */
    public static void write(Path file, SweepResult sweep) {
        writeText(file, toJson(sweep));
    }

    /**
     * The JSON document of a {@code --compare} run: {@code reports} is empty; {@code comparison} holds the
     * contenders, every interleaved block's figures, the medians, and the ratios with their intervals;
     * {@code environment} is the run's.
     */
    public static String toJson(ComparisonResult result, Environment environment) {
        JsonOut json = new JsonOut().beginObject().field("schema", SCHEMA).key("reports").beginArray().endArray();
        json.key("comparison").beginObject().field("scenario", result.scenario().displayName())
                .field("method", ComparisonResult.METHOD).field("confidence", ComparisonResult.CONFIDENCE)
                .key("contenders").beginArray();
        for (int c = 0; c < result.labels().size(); c++) {
            json.beginObject().field("label", result.labels().get(c))
                    .field("medianP50Ns", result.medianP50Nanos(c))
                    .field("medianSamplesPerSecond", result.medianSamplesPerSecond(c))
                    .field("firstQueryNs", result.warmUps().get(c).firstQueryNanos())
                    .key("blocks").beginArray();
            for (ScenarioResult block : result.blocks().get(c)) {
                json.beginObject().field("queries", block.queries()).field("samplesPerSecond", block.samplesPerSecond())
                        .key("latency");
                latency(json, block.latency());
                json.endObject();
            }
            json.endArray().endObject();
        }
        json.endArray().key("ratios").beginArray();
        for (ComparisonResult.Ratio ratio : result.ratios()) {
            json.beginObject().field("contender", ratio.contender()).field("metric", ratio.metric())
                    .field("ratio", ratio.ratio()).field("low", ratio.low()).field("high", ratio.high())
                    .field("lowerIsBetter", ratio.lowerIsBetter()).field("significant", ratio.significant())
                    .field("verdict", ratio.verdict()).endObject();
        }
        json.endArray().endObject();
        environment(json, environment);
        return json.endObject().toString() + "\n";
    }

    /**
     * Writes a {@code --compare} run's document to {@code file}.
     *
     * @throws BenchmarkException ({@code IO}) when the file cannot be written
     */
    public static void write(Path file, ComparisonResult result, Environment environment) {
        writeText(file, toJson(result, environment));
    }

    private static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot write the JSON report to " + file
                    + ": " + e.getMessage(), e);
        }
    }

    private static void sweep(JsonOut json, SweepResult sweep) {
        json.key("sweep").beginObject().field("scenario", sweep.scenario().displayName()).key("threads").beginArray();
        sweep.threads().forEach(json::value);
        json.endArray().key("batches").beginArray();
        sweep.batches().forEach(json::value);
        json.endArray().key("providers").beginArray();
        sweep.providers().forEach(json::value);
        json.endArray().key("evalFiles").beginArray();
        sweep.accuracy().files().forEach(file -> json.value(file.toString()));
        json.endArray().key("points").beginArray();
        int index = 0;
        for (SweepResult.Point point : sweep.points()) {
            json.beginObject().field("model", point.model()).field("threads", point.threads())
                    .field("batch", point.batch()).field("provider", point.provider()).key("report");
            if (point.report().isPresent()) {
                json.value(index++);
            } else {
                json.nullValue();
            }
            json.field("skipped", point.skipped().orElse(null));
            Optional<LatencyStats> latency = point.latency();
            json.key("p50Ns");
            latency.ifPresentOrElse(l -> json.value(l.p50Nanos()), json::nullValue);
            json.key("p90Ns");
            latency.ifPresentOrElse(l -> json.value(l.p90Nanos()), json::nullValue);
            json.key("p99Ns");
            latency.ifPresentOrElse(l -> json.value(l.p99Nanos()), json::nullValue);
            json.field("samplesPerSecond", point.report().map(BenchReport::samplesPerSecond).orElse(Double.NaN))
                    .field("gmacsPerSecond", point.report().map(BenchReport::gmacsPerSecond).orElse(Double.NaN))
                    .key("accuracy");
            sweep.accuracy().forModel(point.model()).ifPresentOrElse(accuracy -> json.beginObject()
                    .field("metric", accuracy.metric()).field("value", accuracy.value())
                    .field("source", accuracy.source()).endObject(), json::nullValue);
            json.endObject();
        }
        json.endArray().endObject();
    }

    /**
     * Writes the document to {@code file}.
     *
     * @throws BenchmarkException ({@code IO}) when the file cannot be written
     */
    public static void write(Path file, List<BenchReport> reports, Optional<Sla> sla) {
        writeText(file, toJson(reports, sla));
    }

    private static void report(JsonOut json, BenchReport report, Optional<Sla> sla) {
        json.beginObject();
        json.key("model").beginObject().field("path", report.model()).field("sizeBytes", report.modelSizeBytes())
                .field("macsPerSample", report.macsPerSample())
                .field("integerMacsPerSample", report.integerMacsPerSample()).endObject();
        RunSettings settings = report.settings();
        json.key("settings").beginObject()
                .field("scenario", settings.scenario().displayName())
                .field("metricPercentile", settings.scenario().percentile())
                .field("durationNs", settings.duration().toNanos())
                .field("minQueries", settings.minQueries())
                .field("minSamples", settings.minSamples())
                .field("samplesPerQuery", settings.samplesPerQuery())
                .field("warmupQueries", settings.warmupQueries())
                .field("targetQps", settings.targetQps())
                .field("latencyBoundNs", settings.latencyBound().toNanos())
                .field("workers", settings.workers())
                .field("seed", settings.seed())
                .field("batch", report.batch())
                .field("inputs", report.inputs())
                .field("repeat", report.runs().size())
                .endObject();
        environment(json, report.environment());
        json.key("load").beginObject().field("warmNs", report.warmLoadNanos()).key("cold");
        report.coldStart().ifPresentOrElse(cold -> json.beginObject().field("processNs", cold.processWallNanos())
                .field("engineNs", cold.engineNanos()).field("loadNs", cold.loadNanos())
                .field("firstRunNs", cold.firstRunNanos()).endObject(), json::nullValue);
        json.endObject();
        json.key("warmUp").beginObject().field("firstQueryNs", report.warmUp().firstQueryNanos());
        latency(json.key("latency"), report.warmUp().latency());
        json.endObject();
        summary(json, report);
        MemorySnapshot memory = report.memory();
        json.key("memory").beginObject().field("peakRssBytes", memory.peakRssBytes())
                .field("rssBytes", memory.rssBytes()).field("heapUsedBytes", memory.heapUsedBytes())
                .field("peakHeapUsedBytes", memory.peakHeapUsedBytes())
                .field("heapCommittedBytes", memory.heapCommittedBytes())
                .field("directBytes", memory.directBytes()).field("nativeBytes", memory.nativeBytes()).endObject();
        json.key("runs").beginArray();
        report.runs().forEach(run -> run(json, run));
        json.endArray();
        json.key("sla");
        if (sla.isPresent()) {
            List<Sla.Violation> violations = sla.get().evaluate(report);
            json.beginObject().field("passed", violations.isEmpty()).key("budgets").beginArray();
            sla.get().budgets().forEach(budget -> json.value(budget.text()));
            json.endArray().key("violations").beginArray();
            violations.forEach(violation -> json.beginObject().field("budget", violation.budget().text())
                    .field("actual", violation.actual()).field("message", violation.message()).endObject());
            json.endArray().endObject();
        } else {
            json.nullValue();
        }
        json.endObject();
    }

    private static void environment(JsonOut json, Environment environment) {
        json.key("environment").beginObject().field("cpuModel", environment.cpuModel()).key("cpuFlags").beginArray();
        environment.cpuFlags().forEach(json::value);
        json.endArray().field("cores", environment.cores()).field("memoryBytes", environment.memoryBytes())
                .field("os", environment.os()).field("kernel", environment.kernel()).field("jvm", environment.jvm())
                .field("ortVersion", environment.ortVersion()).field("threads", environment.threads())
                .field("spinning", environment.spinning()).key("providers").beginArray();
        environment.providers().forEach(json::value);
        json.endArray().field("pinning", environment.pinning()).field("governor", environment.governor())
                .field("commandLine", environment.commandLine()).endObject();
    }

    private static void summary(JsonOut json, BenchReport report) {
        Noise noise = report.noise();
        RepeatRun representative = report.representative();
        json.key("summary").beginObject().field("representativeRun", noise.representativeIndex())
                .field("metric", noise.metric()).field("median", noise.median()).field("cv", noise.cv())
                .field("cvThreshold", noise.threshold()).field("tooNoisy", noise.tooNoisy())
                .field("warning", noise.warning());
        latency(json.key("latency"), representative.result().latency());
        json.field("samplesPerSecond", report.samplesPerSecond())
                .field("queriesPerSecond", representative.result().queriesPerSecond())
                .field("serverBestQps", report.serverSearch().map(ServerSearchResult::bestQps).orElse(Double.NaN))
                .field("gmacsPerSecond", report.gmacsPerSecond()).field("fractionOfPeak", report.fractionOfPeak())
                .field("peakGmacsPerCore", report.peak().gmacsPerCore())
                .field("peakInt8GmacsPerCore", report.peak().int8GmacsPerCore())
                .field("peakHeldAgainstGmacsPerCore", report.peakGmacsPerCore()).field("peakSource", report.peak().source())
                .field("threadsUsed", report.threadsUsed())
                .field("harnessOverheadNs", report.harnessOverheadNanos())
                .field("harnessOverheadFraction", report.overheadFraction()).endObject();
    }

    private static void run(JsonOut json, RepeatRun run) {
        ScenarioResult result = run.result();
        json.beginObject().field("queries", result.queries()).field("samples", result.samples())
                .field("wallNs", result.wallNanos()).field("samplesPerSecond", result.samplesPerSecond())
                .field("queriesPerSecond", result.queriesPerSecond()).field("targetQps", result.targetQps());
        latency(json.key("latency"), result.latency());
        CpuUsage cpu = run.cpu();
        json.key("cpu").beginObject().field("cpuNs", cpu.cpuNanos()).field("wallNs", cpu.wallNanos())
                .field("cores", cpu.cores()).field("utilization", cpu.utilization()).endObject();
        EnergyResult energy = run.energy();
        json.key("energy").beginObject().field("available", energy.available()).field("joules", energy.joules())
                .field("joulesPerSample", energy.joulesPerSample()).field("source", energy.source()).endObject();
        json.key("serverSearch");
        run.search().ifPresentOrElse(search -> {
            json.beginObject().field("boundNs", search.boundNanos()).field("capacityQps", search.capacityQps())
                    .field("bestQps", search.bestQps()).field("finalRunMetBound", search.finalRunMetBound())
                    .key("trials").beginArray();
            search.trials().forEach(trial -> json.beginObject().field("targetQps", trial.targetQps())
                    .field("p99Ns", trial.p99Nanos()).field("queries", trial.queries())
                    .field("metBound", trial.metBound()).endObject());
            json.endArray().endObject();
        }, json::nullValue);
        json.endObject();
    }

    private static void latency(JsonOut json, LatencyStats latency) {
        json.beginObject().field("count", latency.count()).field("minNs", latency.minNanos())
                .field("p50Ns", latency.p50Nanos()).field("p90Ns", latency.p90Nanos())
                .field("p95Ns", latency.p95Nanos()).field("p99Ns", latency.p99Nanos())
                .field("p999Ns", latency.p999Nanos()).field("maxNs", latency.maxNanos())
                .field("meanNs", latency.meanNanos()).field("earlyStoppingP90Ns", latency.earlyStoppingP90Nanos())
                .field("earlyStoppingP99Ns", latency.earlyStoppingP99Nanos()).endObject();
    }
}
