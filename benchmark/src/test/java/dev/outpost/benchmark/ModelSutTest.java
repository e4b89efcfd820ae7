package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Npy;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.testing.SharedFixtures;
import dev.outpost.testing.TinyModels;
import dev.outpost.testing.TinyModels.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSutTest {

    private static InferenceEngine engine;

    @BeforeAll
    static void openEngine() {
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    private static ModelSession tiny(Batch batch) {
        return engine.open(TinyModels.smallCnn(3, batch).toBytes(), SessionConfig.defaults());
    }

    private static RunSettings short_(Scenario scenario) {
        return RunSettings.quick(scenario).withDuration(Duration.ofMillis(30)).withMinQueries(20).withWarmupQueries(2);
    }

    @Test
    void randomInputs_fillTheDynamicBatch_andAQueryMakesEnoughRuns() {
        try (ModelSession session = tiny(Batch.dynamic()); ModelSut sut = ModelSut.random(session, 4, 1)) {
            assertThat(sut.samplesPerRun()).isEqualTo(4);

            ScenarioResult result = LoadGenerator.create(ProgressListener.NONE).run(sut, short_(Scenario.MULTI_STREAM));

            assertThat(result.queries()).isGreaterThanOrEqualTo(20);
            assertThat(result.samples()).isEqualTo(8 * result.queries());
            assertThat(result.latency().count()).isEqualTo(result.queries());
            assertThat(result.latency().minNanos()).isPositive();
        }
    }

    @Test
    void randomInputs_sameSeedSameTensors() {
        try (ModelSession session = tiny(Batch.fixed(1))) {
            var first = BenchInputs.random(session.inputs(), 1, 9);
            var second = BenchInputs.random(session.inputs(), 1, 9);
            var other = BenchInputs.random(session.inputs(), 1, 10);
            assertThat(first.get(TinyModels.INPUT).toFloatArray()).containsExactly(second.get(TinyModels.INPUT).toFloatArray());
            assertThat(first.get(TinyModels.INPUT).toFloatArray()).isNotEqualTo(other.get(TinyModels.INPUT).toFloatArray());
            for (float value : first.get(TinyModels.INPUT).toFloatArray()) {
                assertThat(value).isBetween(0f, 1f);
            }
            first.values().forEach(Tensor::close);
            second.values().forEach(Tensor::close);
            other.values().forEach(Tensor::close);
        }
    }

    @Test
    void batchAboveOne_onAFixedBatchModel_isRefused() {
        try (ModelSession session = tiny(Batch.fixed(1))) {
            assertThatThrownBy(() -> ModelSut.random(session, 8, 1))
                    .isInstanceOf(BenchmarkException.class)
                    .hasMessageContaining("Input 'input' [1,1,8,8] has a fixed first dimension of 1")
                    .hasMessageContaining("batch 8 needs a dynamic first dimension");
        }
    }

    @Test
    void npyFolder_usesTheFileNamedForTheInput(@TempDir Path folder) {
        try (ModelSession session = tiny(Batch.dynamic()); Tensor batch = Tensor.allocate(dev.outpost.runtime.DType.FLOAT32, 2, 1, 8, 8)) {
            Npy.write(batch, folder.resolve("input.npy"));
            try (ModelSut sut = ModelSut.npyFolder(session, folder)) {
                assertThat(sut.samplesPerRun()).isEqualTo(2);
                sut.issue(3);
            }
        }
    }

    @Test
    void npyFolder_missingFile_namesWhatWasFound(@TempDir Path folder) throws Exception {
        Files.writeString(folder.resolve("notes.txt"), "x");
        try (ModelSession session = tiny(Batch.dynamic()); Tensor wrong = Tensor.allocate(dev.outpost.runtime.DType.FLOAT32, 1, 1, 4, 4)) {
            Npy.write(wrong, folder.resolve("a.npy"));
            Npy.write(wrong, folder.resolve("b.npy"));
            assertThatThrownBy(() -> ModelSut.npyFolder(session, folder))
                    .isInstanceOf(BenchmarkException.class)
                    .hasMessageContaining("No input.npy in " + folder)
                    .hasMessageContaining("[a.npy, b.npy]");
        }
    }

    @Test
    void npyFolder_wrongShape_namesFileAndInput(@TempDir Path folder) {
        try (ModelSession session = tiny(Batch.dynamic()); Tensor wrong = Tensor.allocate(dev.outpost.runtime.DType.FLOAT32, 1, 1, 4, 4)) {
            Npy.write(wrong, folder.resolve("x.npy"));
            assertThatThrownBy(() -> ModelSut.npyFolder(session, folder))
                    .isInstanceOf(BenchmarkException.class)
                    .hasMessageContaining("x.npy holds float[1, 1, 4, 4]; input 'input' expects float[batch,1,8,8]");
        }
    }

    @Test
    void issue_afterClose_throws() {
        try (ModelSession session = tiny(Batch.fixed(1))) {
            ModelSut sut = ModelSut.random(session, 1, 1);
            sut.close();
            sut.close();
            assertThatThrownBy(() -> sut.issue(1)).isInstanceOf(IllegalStateException.class).hasMessage("ModelSut is closed");
        }
    }

    @Test
    void mnist_everyScenarioRuns() {
        Path model = SharedFixtures.model("mnist_cnn_pytorch.onnx");
        LoadGenerator generator = LoadGenerator.create(ProgressListener.NONE);
        try (ModelSession session = engine.open(model, SessionConfig.builder().intraOpThreads(1).build());
                ModelSut sut = ModelSut.random(session, 1, 42)) {
            WarmUp warmUp = generator.warmUp(sut, short_(Scenario.SINGLE_STREAM));
            ScenarioResult single = generator.run(sut, short_(Scenario.SINGLE_STREAM));
            ScenarioResult offline = generator.run(sut, short_(Scenario.OFFLINE).withSamplesPerQuery(16));
            ScenarioResult server = generator.run(sut, short_(Scenario.SERVER).withTargetQps(200));

            assertThat(warmUp.latency().count()).isEqualTo(2);
            assertThat(single.queries()).isGreaterThanOrEqualTo(20);
            assertThat(single.latency().p90Nanos()).isBetween(single.latency().minNanos(), single.latency().maxNanos());
            assertThat(offline.samples()).isEqualTo(16 * offline.queries());
            assertThat(server.queries()).isGreaterThanOrEqualTo(20);
            assertThat(server.targetQps()).isEqualTo(200.0);
        }
    }
}
