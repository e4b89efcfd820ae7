package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {

    @TempDir
    Path repo;

    @Test
    void scan_findsNumberedVersionsInOrder_withModelLevelConfigAndPipeline() throws Exception {
        Files.createDirectories(repo.resolve("cls/10"));
        Files.createDirectories(repo.resolve("cls/2"));
        Files.createDirectories(repo.resolve("cls/notes"));
        Files.writeString(repo.resolve("cls/config.properties"), "max-batch-size=8\n");
        Files.writeString(repo.resolve("cls/pipeline.properties"), "output.kind=tensors\n");
        Files.createDirectories(repo.resolve("det/1"));
        Files.writeString(repo.resolve("README.txt"), "not a model");

        List<ModelSource> sources = ModelRepository.of(repo).scan();

        assertThat(sources).extracting(ModelSource::name, ModelSource::version)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("cls", "2"),
                        org.assertj.core.groups.Tuple.tuple("cls", "10"),
                        org.assertj.core.groups.Tuple.tuple("det", "1"));
        assertThat(sources.getFirst().modelFile()).isEqualTo(repo.resolve("cls/2/model.onnx"));
        assertThat(sources.getFirst().configFile()).contains(repo.resolve("cls/config.properties"));
        assertThat(sources.getFirst().pipelineFile()).contains(repo.resolve("cls/pipeline.properties"));
        assertThat(sources.get(2).configFile()).isEmpty();
    }

    @Test
    void of_refusesAFileOrMissingFolder() {
        assertThatThrownBy(() -> ModelRepository.of(repo.resolve("missing")))
                .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code())
                        .isEqualTo(ServingException.Code.INVALID_REPOSITORY))
                .hasMessageContaining("is not a folder; expected DIR/<model>/<version>/model.onnx");
    }

    @Test
    void ofFiles_namesModelsByFile_andRefusesTwoFilesWithOneName() throws Exception {
        Path a = Files.writeString(repo.resolve("mnist.onnx"), "x");
        Files.createDirectories(repo.resolve("other"));
        Path b = Files.writeString(repo.resolve("other/mnist.onnx"), "x");

        assertThat(ModelRepository.ofFiles(List.of(a)).scan()).containsExactly(
                new ModelSource("mnist", "1", a, Optional.empty(), Optional.empty()));
        assertThatThrownBy(() -> ModelRepository.ofFiles(List.of(a, b))).hasMessageContaining("both give the model name 'mnist'");
        assertThatThrownBy(() -> ModelRepository.ofFiles(List.of(repo.resolve("nope.onnx"))))
                .hasMessageContaining("does not exist");
    }

    @Test
    void modelConfig_readsEveryKey_andNamesABadValue() {
        ModelConfig config = ModelConfig.defaults().with(Map.of("max-queue-size", "5", "max-concurrent-runs", "2",
                "max-batch-size", "8", "max-queue-delay-ms", "1.5", "preferred-batch-sizes", "4, 8",
                "request-timeout-ms", "250", "intra-op-threads", "3"), "m/config.properties");

        assertThat(config).isEqualTo(new ModelConfig(5, 2, Optional.of(3), 8, Duration.ofNanos(1_500_000),
                List.of(4, 8), Duration.ofMillis(250)));
        assertThat(ModelConfig.builder().maxConcurrentRuns(4).build().threadsFor(16)).isEqualTo(4);
        assertThat(ModelConfig.builder().maxConcurrentRuns(4).build().threadsFor(2)).isEqualTo(1);
        assertThatThrownBy(() -> ModelConfig.defaults().with(Map.of("max-batch-size", "0"), "m/config.properties"))
                .hasMessageContaining("m/config.properties: max-batch-size=0 is invalid: max-batch-size must be >= 1, got 0");
        assertThatThrownBy(() -> ModelConfig.defaults().with(Map.of("preferred-batch-sizes", "16"), "c"))
                .hasMessageContaining("preferred batch size 16 must be within 1..1");
        assertThatThrownBy(() -> ModelConfig.defaults().with(Map.of("max-batch", "4"), "c"))
                .hasMessageContaining("unknown key; valid keys are");
    }
}
