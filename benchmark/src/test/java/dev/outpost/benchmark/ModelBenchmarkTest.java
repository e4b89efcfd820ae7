package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.testing.SharedFixtures;
import dev.outpost.testing.TinyModels;
import dev.outpost.testing.TinyModels.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBenchmarkTest {

    private static InferenceEngine engine;

    @BeforeAll
    static void openEngine() {
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    static RunSettings brief(Scenario scenario) {
        return RunSettings.quick(scenario).withDuration(Duration.ofMillis(40)).withMinQueries(20).withWarmupQueries(3);
    }

    @Test
    void tinyModel_offline_repeated_withMacsAndAGivenPeak(@TempDir Path folder) throws Exception {
        Path model = folder.resolve("cnn.onnx");
        Files.write(model, TinyModels.smallCnn(1, Batch.dynamic()).toBytes());
        Path counter = folder.resolve("joules");
        Files.writeString(counter, "5");
        BenchOptions options = BenchOptions.builder(brief(Scenario.OFFLINE)).threads(1).batch(4).repeat(3)
                .macsPerSample(10_000).peak(PeakCompute.given(40)).coldStart(false)
                .energyMeter(EnergyMeter.command(List.of("sh", "-c", "cat '" + counter + "'")))
                .commandLine("outpost bench cnn.onnx").build();
        List<String> phases = new ArrayList<>();

        BenchReport report = ModelBenchmark.run(engine, model, options, (phase, fraction) -> phases.add(phase));

        assertThat(report.runs()).hasSize(3);
        assertThat(report.batch()).isEqualTo(4);
        assertThat(report.settings().samplesPerQuery()).isEqualTo(4);
        assertThat(report.noise().values()).hasSize(3);
        assertThat(report.noise().metric()).isEqualTo("throughput (samples/s)");
        assertThat(report.modelSizeBytes()).isEqualTo(Files.size(model));
        assertThat(report.warmLoadNanos()).isPositive();
        assertThat(report.coldStart()).isEmpty();
        assertThat(report.warmUp().latency().count()).isEqualTo(3);
        assertThat(report.gmacsPerSecond()).isEqualTo(10_000 * report.samplesPerSecond() / 1e9);
        assertThat(report.fractionOfPeak()).isCloseTo(report.gmacsPerSecond() / 40, within(1e-12));
        assertThat(report.environment().threads()).isEqualTo(1);
        assertThat(report.environment().providers()).containsExactly("CPU");
        assertThat(report.environment().commandLine()).isEqualTo("outpost bench cnn.onnx");
        // The counter did not move: a measured 0 J, not "unavailable".
        assertThat(report.representative().energy().available()).isTrue();
        assertThat(report.representative().energy().joules()).isZero();
        assertThat(report.representative().cpu().cpuNanos()).isPositive();
        assertThat(report.memory().peakRssBytes()).isPositive();
        assertThat(phases).contains("warm-up", "Offline", "run 2/3");
    }

    @Test
    void mnist_singleStream_withColdStartAndMeasuredPeak() {
        Path model = SharedFixtures.model("mnist_cnn_pytorch.onnx");
        BenchOptions options = BenchOptions.builder(brief(Scenario.SINGLE_STREAM)).threads(1).build();

        BenchReport report = ModelBenchmark.run(engine, model, options, ProgressListener.NONE);

        ScenarioResult result = report.representative().result();
        assertThat(result.queries()).isGreaterThanOrEqualTo(20);
        assertThat(report.noise().median()).isEqualTo((double) result.latency().p90Nanos());
        assertThat(report.coldStart()).get().satisfies(cold -> assertThat(cold.loadNanos()).isPositive());
        assertThat(report.peak().source()).startsWith("measured");
        assertThat(report.peak().int8GmacsPerCore()).isPositive();
        assertThat(report.gmacsPerSecond()).isNaN();
        assertThat(report.inputs()).isEqualTo("random (seed 1)");
        assertThat(report.harnessOverheadNanos()).isPositive();
    }

    @Test
    void mnist_serverSearch_reportsTheRateAndItsFinalRun() {
        Path model = SharedFixtures.model("mnist_cnn_pytorch.onnx");
        RunSettings settings = brief(Scenario.SERVER).withDuration(Duration.ofMillis(200))
                .withLatencyBound(Duration.ofMillis(50));
        BenchOptions options = BenchOptions.builder(settings).threads(1).coldStart(false).peak(PeakCompute.given(10)).build();

        BenchReport report = ModelBenchmark.run(engine, model, options, ProgressListener.NONE);

        ServerSearchResult search = report.serverSearch().orElseThrow();
        assertThat(search.capacityQps()).isPositive();
        assertThat(search.trials()).isNotEmpty();
        // mnist runs in well under a millisecond: a 50 ms p99 bound is met at some rate.
        // The ceiling starts at the probed capacity and may double twice when rates just under it hold.
        assertThat(search.bestQps()).isPositive().isLessThanOrEqualTo(
                search.capacityQps() * (1 << LoadGenerator.MAX_CEILING_RAISES));
        assertThat(report.representative().result().targetQps()).isEqualTo(search.bestQps());
        assertThat(report.noise().metric()).isEqualTo("best rate meeting the p99 bound (qps)");
    }

    @Test
    void batchOnSingleStream_isRefused() {
        assertThatThrownBy(() -> BenchOptions.builder(brief(Scenario.SINGLE_STREAM)).batch(4).build())
                .isInstanceOf(BenchmarkException.class)
                .hasMessage("Benchmark option batch is 4; expected 1 for SingleStream (a batch applies to Offline and MultiStream)");
    }

    @Test
    void images_throughThePipeline_preprocessedOnce_orInEveryQuery() {
        Path model = SharedFixtures.model("squeezenet1.0-fp32.onnx");
        Path images = SharedFixtures.data("imagenet-samples").resolve("images");
        RunSettings settings = brief(Scenario.SINGLE_STREAM).withMinQueries(15);

        BenchReport once = ModelBenchmark.run(engine, model, BenchOptions.builder(settings).threads(1).inputs(images)
                .coldStart(false).peak(PeakCompute.given(10)).build(), ProgressListener.NONE);
        BenchReport every = ModelBenchmark.run(engine, model, BenchOptions.builder(settings).threads(1).inputs(images)
                .includePreprocessing(true).coldStart(false).peak(PeakCompute.given(10)).build(), ProgressListener.NONE);

        assertThat(once.inputs()).contains("image(s) from " + images, "decoded and preprocessed once before measuring");
        assertThat(every.inputs()).contains("decoded and preprocessed in every query (included in the latency)");
        try (dev.outpost.runtime.ModelSession session = engine.open(model);
                ImageSut before = ImageSut.folder(session, model, images, 1, false);
                ImageSut inside = ImageSut.folder(session, model, images, 1, true)) {
            long prepared = before.preprocessedBatches();
            before.issue(5);
            inside.issue(5);
            assertThat(prepared).as("batches prepared before measuring").isBetween(1L, (long) ImageSut.MAX_PREPARED);
            assertThat(before.preprocessedBatches()).as("no preprocessing while measuring").isEqualTo(prepared);
            assertThat(inside.preprocessedBatches()).as("one batch per run").isEqualTo(5);
        }
    }

    @Test
    void includePreprocessing_withoutImages_andImagesForAModelWithoutAPipeline_areRefused(@TempDir Path folder)
            throws Exception {
        Path tiny = folder.resolve("tiny.onnx");
        Files.write(tiny, TinyModels.smallCnn(1, Batch.dynamic()).toBytes());
        Path images = SharedFixtures.data("imagenet-samples").resolve("images");
        RunSettings settings = brief(Scenario.SINGLE_STREAM);

        assertThatThrownBy(() -> ModelBenchmark.run(engine, tiny, BenchOptions.builder(settings).includePreprocessing(true)
                .coldStart(false).build(), ProgressListener.NONE)).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("--include-preprocessing needs --inputs DIR with images");
        assertThatThrownBy(() -> ModelBenchmark.run(engine, tiny, BenchOptions.builder(settings).inputs(images)
                .coldStart(false).build(), ProgressListener.NONE)).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("tiny.onnx declares no image input");
    }
}
