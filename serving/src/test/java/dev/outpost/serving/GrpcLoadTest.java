package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelInferResponse;
import dev.outpost.serving.proto.GrpcService.ModelReadyRequest;
import dev.outpost.serving.proto.GrpcService.RepositoryIndexRequest;
import dev.outpost.serving.proto.GrpcService.RepositoryIndexResponse;
import dev.outpost.serving.proto.GrpcService.RepositoryModelLoadRequest;
import dev.outpost.serving.proto.GrpcService.RepositoryModelUnloadRequest;
import dev.outpost.serving.proto.GrpcService.ServerLiveRequest;
import dev.outpost.serving.proto.GrpcService.ServerReadyRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gRPC under load and lifecycle: saturation, timeouts, unloaded models, shutdown and the repository RPCs. */
class GrpcLoadTest {

    @TempDir
    Path repo;

    private final CountDownLatch release = new CountDownLatch(1);
    private final Semaphore entered = new Semaphore(0);
    private InferenceServer server;
    private GrpcClient client;

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(ModelManager models, boolean holdRuns) {
        start(models, holdRuns, ServerConfig.defaults());
    }

    private void start(ModelManager models, boolean holdRuns, ServerConfig config) {
        models.loadAll();
        if (holdRuns) {
            models.beforeRun(RunHold.until(entered, release));
        }
        server = InferenceServer.start(models, config.withPort(0).withGrpcPort(0));
        client = GrpcClient.to(server);
    }

    private static ModelInferRequest digit(long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256);
        }
        return GrpcClient.rawFp32("mnist", "input_image", pixels, 1, 1, 28, 28).build();
    }

    private ListenableFuture<ModelInferResponse> send(long seed) {
        return client.future().modelInfer(digit(seed));
    }

    private static Status statusOf(ListenableFuture<ModelInferResponse> call) {
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> call.get(20, TimeUnit.SECONDS));
        assertThat(failure.getCause()).isInstanceOf(StatusRuntimeException.class);
        return ((StatusRuntimeException) failure.getCause()).getStatus();
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void saturation_theExcessGetsResourceExhausted_acceptedCallsStillFinish() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"),
                "max-queue-size=2", "max-concurrent-runs=1");
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        start(models, true);
        List<ListenableFuture<ModelInferResponse>> accepted = new ArrayList<>();
        accepted.add(send(0));
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).as("first run started").isTrue();
        accepted.add(send(1));
        accepted.add(send(2));
        awaitTrue(() -> models.loaded("mnist", "").scheduler().queued() == 2, "two queued requests");

        List<ListenableFuture<ModelInferResponse>> excess = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            excess.add(send(10 + i));
        }
        for (ListenableFuture<ModelInferResponse> rejected : excess) {
            Status status = statusOf(rejected);
            assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(status.getDescription()).contains("max-queue-size 2");
        }
        assertThat(accepted).as("accepted calls wait while the run is held").noneMatch(java.util.concurrent.Future::isDone);

        release.countDown();
        for (ListenableFuture<ModelInferResponse> answer : accepted) {
            assertThat(answer.get(30, TimeUnit.SECONDS).getRawOutputContents(0).size()).isEqualTo(40);
        }
        assertThat(models.metrics().errors("queue_full")).isEqualTo(6);
    }

    @Test
    void requestTimeout_isDeadlineExceeded() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"),
                "request-timeout-ms=500");
        ManualTime time = new ManualTime();
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults(), time, time);
        start(models, true);
        ListenableFuture<ModelInferResponse> first = send(0);
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).isTrue();
        ListenableFuture<ModelInferResponse> second = send(1);
        awaitTrue(() -> models.loaded("mnist", "").scheduler().queued() == 1, "a queued request");

        time.advance(Duration.ofMillis(500));

        Status timedOut = statusOf(second);
        assertThat(timedOut.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(timedOut.getDescription()).contains("request-timeout is 500 ms");
        release.countDown();
        assertThat(statusOf(first).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }

    @Test
    void aCancelledCallOrAPassedDeadline_takesTheRequestOutOfTheQueue_andItNeverRuns() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"), "max-concurrent-runs=1");
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        start(models, true);
        ModelScheduler scheduler = models.loaded("mnist", "").scheduler();
        ListenableFuture<ModelInferResponse> first = send(0);
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).as("first run started").isTrue();

        ListenableFuture<ModelInferResponse> cancelled = send(1);
        awaitTrue(() -> scheduler.queued() == 1, "the second call queued");
        cancelled.cancel(true);
        awaitTrue(() -> scheduler.queued() == 0, "the cancelled call out of the queue");

        ListenableFuture<ModelInferResponse> late = client.future().withDeadlineAfter(3, TimeUnit.SECONDS)
                .modelInfer(digit(2));
        awaitTrue(() -> scheduler.queued() == 1, "the third call queued");
        assertThat(statusOf(late).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        awaitTrue(() -> scheduler.queued() == 0, "the call past its deadline out of the queue");

        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS).getRawOutputContents(0).size()).isEqualTo(40);
        awaitTrue(() -> scheduler.running() == 0, "the first run finished");
        assertThat(entered.availablePermits()).as("model calls after the first").isZero();
        assertThat(models.metrics().errors("cancelled")).isEqualTo(2);
        assertThat(models.metrics().scrape()).contains("outpost_inflight_requests{model=\"mnist\",version=\"1\"} 0");
    }

    @Test
    void repositoryRpcs_indexUnloadAndLoad_andAnUnloadedModelIsUnavailable() {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"));
        start(ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults()), false);

        RepositoryIndexResponse index = client.blocking().repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertThat(index.getModelsList()).singleElement().satisfies(model -> {
            assertThat(model.getName()).isEqualTo("mnist");
            assertThat(model.getVersion()).isEqualTo("1");
            assertThat(model.getState()).isEqualTo("READY");
        });

        client.blocking().repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("mnist").build());
        assertThat(client.blocking().modelReady(ModelReadyRequest.newBuilder().setName("mnist").build()).getReady())
                .isFalse();
        assertThat(client.blocking().repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build())
                .getModelsList()).isEmpty();
        assertThatThrownBy(() -> client.blocking().modelInfer(digit(0)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, error -> assertThat(error.getStatus().getCode())
                        .as(error.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));

        client.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("mnist").build());
        assertThat(client.blocking().modelInfer(digit(0)).getRawOutputContents(0).size()).isEqualTo(40);
        assertThatThrownBy(() -> client.blocking().repositoryModelLoad(RepositoryModelLoadRequest.newBuilder()
                .setModelName("absent").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, error -> assertThat(error.getStatus().getCode())
                        .as(error.getStatus().toString()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void gracefulShutdown_newCallsAreUnavailable_theRunningCallFinishes() throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"));
        start(ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults()), true);
        ListenableFuture<ModelInferResponse> running = send(0);
        assertThat(entered.tryAcquire(20, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        server.draining().get(20, TimeUnit.SECONDS);

        assertThat(client.blocking().serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isFalse();
        assertThat(client.blocking().serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
                .as("live while draining, like REST's /v2/health/live").isTrue();
        Status refused = statusOf(send(1));
        assertThat(refused.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(refused.getDescription()).contains("shutting down");
        assertThat(running).isNotDone();

        release.countDown();
        assertThat(running.get(30, TimeUnit.SECONDS).getRawOutputContents(0).size()).isEqualTo(40);
        closing.get(30, TimeUnit.SECONDS);
        Status afterClose = statusOf(send(2));
        assertThat(afterClose.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void aMessageOverTheSizeLimit_isResourceExhausted_andCallsAreCountedInMetrics() {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cnn_pytorch.onnx"));
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        start(models, false, ServerConfig.defaults().withMaxRequestBytes(2048));

        assertThatThrownBy(() -> client.blocking().modelInfer(digit(0)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, error -> assertThat(error.getStatus().getCode())
                        .as(error.getStatus().toString()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        assertThatThrownBy(() -> client.blocking().modelInfer(ModelInferRequest.newBuilder().setModelName("mnist")
                .build())).isInstanceOfSatisfying(StatusRuntimeException.class, error -> assertThat(error.getStatus()
                .getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThat(models.metrics().scrape()).contains(
                "outpost_requests_total{model=\"mnist\",version=\"1\",status=\"INVALID_ARGUMENT\"} 1");
    }
}
