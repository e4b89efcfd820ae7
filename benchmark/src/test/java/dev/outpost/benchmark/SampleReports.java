package dev.outpost.benchmark;

import java.util.List;
import java.util.Optional;

/** Benchmark reports of known figures, built by hand, for the SLA, JSON and table tests. */
final class SampleReports {

    private SampleReports() {
    }

    static final long MS = 1_000_000;

    static LatencyStats latency() {
        // min 8 ms, p50 10, p90 20, p95 25, p99 30, p99.9 40, max 50, mean 12 ms
        return new LatencyStats(1000, 8 * MS, 10 * MS, 20 * MS, 25 * MS, 30 * MS, 40 * MS, 50 * MS, 12 * MS);
    }

    static Environment environment() {
        return new Environment("Intel(R) Xeon(R) Processor", List.of("avx2", "avx512_vnni"), 2, 8L << 30,
                "Linux 6.8 amd64", "6.8", "Java 25", "1.29.0", 1, false, List.of("CPU"), "0", "unknown",
                "outpost bench model.onnx --sla p90<20ms");
    }

    /** SingleStream, 1000 queries in 12 s, 150 MiB peak RSS, 5 MB model, 1 GMAC per sample, no energy. */
    static BenchReport singleStream() {
        ScenarioResult result = new ScenarioResult(Scenario.SINGLE_STREAM, 1000, 1000, 12_000 * MS, latency(), 0);
        RepeatRun run = new RepeatRun(result, Optional.empty(), new CpuUsage(6_000 * MS, 12_000 * MS, 2),
                EnergyResult.unavailable("no readable RAPL counters"));
        MemorySnapshot memory = new MemorySnapshot(150L << 20, 140L << 20, 30L << 20, 40L << 20, 64L << 20,
                1L << 20, 76L << 20);
        WarmUp warmUp = new WarmUp(90 * MS, new LatencyStats(10, 9 * MS, 10 * MS, 11 * MS, 11 * MS, 90 * MS,
                90 * MS, 90 * MS, 18 * MS));
        return new BenchReport("models/model.onnx", 5_000_000, RunSettings.quick(Scenario.SINGLE_STREAM), 1,
                "random (seed 1)", environment(), 200 * MS,
                Optional.of(new ColdStartResult(900 * MS, 100 * MS, 250 * MS, 95 * MS)), warmUp, List.of(run),
                Noise.of("p90 latency (ns)", List.of((double) (20 * MS)), 0.05), memory,
                PeakCompute.given(50), 1_000_000_000L, 0, 50);
    }

    /** A Server search that found 80 qps against a 15 ms bound, energy measured, three repeats. */
    static BenchReport serverSearch() {
        ScenarioResult probe = new ScenarioResult(Scenario.SERVER, 100, 100, 1000 * MS, latency(), 0);
        List<RepeatRun> runs = new java.util.ArrayList<>();
        for (double qps : new double[] {78, 80, 90}) {
            ScenarioResult finalRun = new ScenarioResult(Scenario.SERVER, 800, 800, 10_000 * MS, latency(), qps);
            ServerSearchResult search = new ServerSearchResult(15 * MS, probe, 100,
                    List.of(new ServerSearchResult.Trial(50, 12 * MS, 100, true),
                            new ServerSearchResult.Trial(75, 14 * MS, 100, true),
                            new ServerSearchResult.Trial(87.5, 40 * MS, 100, false)), qps, Optional.of(finalRun));
            runs.add(new RepeatRun(finalRun, Optional.of(search), new CpuUsage(-1, 10_000 * MS, 2),
                    EnergyResult.measured(4.0, 800, "RAPL intel-rapl:0 (package-0)")));
        }
        BenchReport base = singleStream();
        return new BenchReport(base.model(), base.modelSizeBytes(), RunSettings.quick(Scenario.SERVER), 1,
                base.inputs(), base.environment(), base.warmLoadNanos(), Optional.empty(), base.warmUp(), runs,
                Noise.of("best rate meeting the p99 bound (qps)", List.of(78.0, 80.0, 90.0), 0.05), base.memory(),
                base.peak(), 0, 0, 50);
    }
}
