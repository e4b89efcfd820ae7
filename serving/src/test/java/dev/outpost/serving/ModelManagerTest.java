package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager on real models: load failures, inference, batching and unload, without HTTP. */
class ModelManagerTest {

    @TempDir
    Path repo;

    private static Tensor digits(long seed, int rows) {
        Random random = new Random(seed);
        float[] pixels = new float[rows * 28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256);
        }
        return Tensor.of(pixels, rows, 1, 28, 28);
    }

    @Test
    void aModelThatFailsToLoad_isFailedWithTheReason_andTheOthersServe() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"));
        Files.createDirectories(repo.resolve("broken/1"));
        Files.writeString(repo.resolve("broken/1/model.onnx"), "this is not an ONNX model");
        Files.createDirectories(repo.resolve("empty/3"));

        try (ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults())) {
            List<ModelStatus> loaded = models.loadAll();

            assertThat(loaded).extracting(ModelStatus::name, ModelStatus::state).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("broken", ModelState.FAILED),
                    org.assertj.core.groups.Tuple.tuple("empty", ModelState.FAILED),
                    org.assertj.core.groups.Tuple.tuple("mnist", ModelState.READY));
            assertThat(models.status("broken", "").reason()).contains("model.onnx");
            assertThat(models.status("empty", "3").reason()).contains("No model file at").contains("empty/3/model.onnx");
            assertThat(models.status("mnist", "").loadTime()).isPositive();
            assertThat(models.status("mnist", "").batching()).as("batching is off unless configured").isFalse();
            assertThatThrownBy(() -> models.infer(InferenceRequest.of("broken", List.of())))
                    .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code())
                            .isEqualTo(ServingException.Code.MODEL_NOT_READY)).hasMessageContaining("FAILED");
            assertThatThrownBy(() -> models.status("mnist", "2")).hasMessageContaining("has no version '2'; its versions are [1]");
            assertThatThrownBy(() -> models.status("nope", "")).hasMessageContaining("Unknown model 'nope'; known models are [broken, empty, mnist]");
        }
    }

    @Test
    void infer_answersLikeTheSessionInProcess_andChecksTheRequestFirst() throws Exception {
        Path file = SharedModels.model("mnist_cnn_pytorch.onnx");
        SharedModels.install(repo, "mnist", "1", file);
        try (ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
             InferenceEngine engine = InferenceEngine.create();
             ModelSession session = engine.open(file);
             Tensor input = digits(1, 2)) {
            models.loadAll();
            try (InferenceResponse response = models.infer(new InferenceRequest("r1", "mnist", "", List.of(
                    new NamedTensor("input_image", input)), List.of(), Map.of())).get(30, TimeUnit.SECONDS);
                 Outputs expected = session.run(Map.of("input_image", input))) {
                assertThat(response.id()).isEqualTo("r1");
                assertThat(response.version()).isEqualTo("1");
                assertThat(response.outputs()).extracting(NamedTensor::name).containsExactly("output_probs");
                assertThat(response.outputs().getFirst().tensor().toFloatArray())
                        .containsExactly(expected.get("output_probs").toFloatArray());
            }
            assertThatThrownBy(() -> models.infer(InferenceRequest.of("mnist", List.of(new NamedTensor("input_image",
                    Tensor.of(new float[28 * 28], 1, 28, 28))))))
                    .hasMessageContaining("Input 'input_image' has shape [1, 28, 28]; model mnist@1 expects");
            assertThatThrownBy(() -> models.infer(InferenceRequest.of("mnist", List.of())))
                    .hasMessageContaining("Missing input 'input_image' (FP32");
        }
    }

    @Test
    void batchedRequests_getTheSameAnswersAsUnbatchedRuns() throws Exception {
        Path file = SharedModels.model("mnist_cnn_pytorch.onnx");
        SharedModels.install(repo, "mnist", "1", file, "max-batch-size=4", "max-queue-delay-ms=60000");
        try (ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
             InferenceEngine engine = InferenceEngine.create();
             ModelSession session = engine.open(file)) {
            models.loadAll();
            assertThat(models.status("mnist", "").batching()).isTrue();
            List<Tensor> inputs = List.of(digits(0, 1), digits(1, 2), digits(2, 1));
            List<CompletableFuture<InferenceResponse>> answers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                answers.add(models.infer(InferenceRequest.of("mnist", List.of(new NamedTensor("input_image", inputs.get(i))))));
            }
            assertThat(models.loaded("mnist", "").scheduler().queued()).as("1 + 2 rows wait for a fourth row")
                    .isEqualTo(2);
            assertThat(answers).noneMatch(CompletableFuture::isDone);
            answers.add(models.infer(InferenceRequest.of("mnist", List.of(new NamedTensor("input_image", inputs.get(2))))));
            for (int i = 0; i < 3; i++) {
                try (InferenceResponse response = answers.get(i).get(30, TimeUnit.SECONDS);
                     Outputs alone = session.run(Map.of("input_image", inputs.get(i)))) {
                    assertThat(response.batchSize()).isEqualTo(3);
                    assertThat(response.outputs().getFirst().shape()).containsExactly(i == 1 ? 2 : 1, 10);
                    assertThat(response.outputs().getFirst().tensor().toFloatArray())
                            .containsExactly(alone.get("output_probs").toFloatArray());
                }
            }
            assertThat(models.metrics().model("mnist", "1").batch.sum()).isEqualTo(4);
            inputs.forEach(Tensor::close);
        }
    }

    /**
     * A request that times out while its model call runs: the client gets TIMEOUT and the call itself
     * is stopped inside ONNX Runtime (counted in outpost_model_runs_stopped_total) instead of computing
     * on for nobody. ResNet-50 at batch 4 on one thread takes about a second; the timeout is 20 ms.
     */
    /**
     * Two busy models with the default settings each run a call over every core: the second call waits
     * for the first one's cores instead of doubling the threads computing at once. With one thread per
     * call they run side by side.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "intra-op threads {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 1})
    void modelsShareTheCores_theirCallsNeverRunMoreThreadsThanThereAre(int threads) throws Exception {
        for (String name : List.of("a", "b")) {
            SharedModels.install(repo, name, "1", SharedModels.model("mnist_cnn_pytorch.onnx"),
                    "intra-op-threads=" + threads);
        }
        java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ServingConfig twoCores = new ServingConfig(2, java.time.Duration.ofSeconds(30), ModelConfig.defaults());
        try (ModelManager models = ModelManager.create(ModelRepository.of(repo), twoCores);
             Tensor first = digits(1, 1); Tensor second = digits(2, 1)) {
            models.loadAll();
            models.beforeRun(RunHold.until(entered, release));
            CompletableFuture<InferenceResponse> a = models.infer(InferenceRequest.of("a",
                    List.of(new NamedTensor("input_image", first))), false);
            assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).as("a's call started").isTrue();
            assertThat(models.coreShare().busy()).isEqualTo(threads);
            CompletableFuture<InferenceResponse> b = models.infer(InferenceRequest.of("b",
                    List.of(new NamedTensor("input_image", second))), false);
            if (threads == 2) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (models.coreShare().waiting() == 0) {
                    assertThat(System.nanoTime()).as("b's call waiting for cores").isLessThan(deadline);
                    Thread.onSpinWait();
                }
                assertThat(entered.availablePermits()).as("b's call did not start while a holds both cores").isZero();
            } else {
                assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).as("b's call runs beside a's").isTrue();
                assertThat(models.coreShare().busy()).isEqualTo(2);
            }
            release.countDown();
            try (InferenceResponse answerA = a.get(30, TimeUnit.SECONDS);
                 InferenceResponse answerB = b.get(30, TimeUnit.SECONDS)) {
                assertThat(answerA.outputs()).hasSize(1);
                assertThat(answerB.outputs()).hasSize(1);
            }
            // The answers complete inside the call; its cores go back right after it returns.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (models.coreShare().busy() != 0) {
                assertThat(System.nanoTime()).as("the calls' cores given back").isLessThan(deadline);
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void aRunningRequestThatTimesOut_isStoppedInsideOnnxRuntime() throws Exception {
        Path dir = Files.createDirectories(repo.resolve("slow/1"));
        dev.outpost.testing.TinyModels.resnet50(1, dev.outpost.testing.TinyModels.Batch.fixed(4))
                .write(dir.resolve(ModelRepository.MODEL_FILE));
        Files.writeString(repo.resolve("slow/config.properties"), "request-timeout-ms=20\nintra-op-threads=1\n");
        try (ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
             Tensor images = Tensor.allocate(dev.outpost.runtime.DType.FLOAT32, 4, 3, 224, 224)) {
            models.loadAll();
            CompletableFuture<InferenceResponse> answer = models.infer(InferenceRequest.of("slow",
                    List.of(new NamedTensor(dev.outpost.testing.TinyModels.INPUT, images))));

            assertThatThrownBy(() -> answer.get(60, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ServingException.class)
                    .hasMessageContaining("timed out").hasMessageContaining("request-timeout is 20 ms");
            assertThat(models.metrics().scrape())
                    .contains("outpost_model_runs_stopped_total{model=\"slow\",version=\"1\"} 1");
            assertThat(models.loaded("slow", "").scheduler().running()).isZero();
        }
    }

    @Test
    void unload_makesTheModelUnavailable_andLoadBringsItBack() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"));
        try (ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults())) {
            assertThat(models.index()).extracting(ModelStatus::state).containsExactly(ModelState.UNAVAILABLE);
            models.load("mnist");
            models.unload("mnist");
            assertThat(models.status("mnist", "").state()).isEqualTo(ModelState.UNAVAILABLE);
            assertThatThrownBy(() -> models.infer(InferenceRequest.of("mnist", List.of())))
                    .hasMessageContaining("is UNAVAILABLE");
            assertThat(models.load("mnist")).extracting(ModelStatus::state).containsExactly(ModelState.READY);
            assertThatThrownBy(() -> models.load("ghost")).hasMessageContaining("Unknown model 'ghost'");
        }
    }
}
