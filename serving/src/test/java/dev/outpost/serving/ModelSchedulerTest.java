package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scheduler on its own, with a hand-written runner and time moved by hand. */
class ModelSchedulerTest {

    private final ManualTime time = new ManualTime();
    private final ServingMetrics.ModelMetrics metrics = new ServingMetrics.ModelMetrics();
    private final BlockingQueue<List<Object>> batches = new LinkedBlockingQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);
    private volatile boolean hold;
    private ModelScheduler scheduler;

    private final List<Thread> runThreads = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ModelScheduler scheduler(ModelConfig config, boolean batching) {
        return scheduler(config, batching, null);
    }

    private ModelScheduler scheduler(ModelConfig config, boolean batching, java.util.concurrent.Semaphore inline) {
        scheduler = new ModelScheduler("m@1", config, batching, batch -> {
            runThreads.add(Thread.currentThread());
            entered.release();
            if (hold) {
                await(release);
            }
            batches.add(batch.stream().map(pending -> pending.work).toList());
            batch.forEach(pending -> pending.result.complete("done " + pending.work));
        }, time, time, metrics, inline, new CoreShare(64), 1);
        return scheduler;
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private List<Object> nextBatch() throws InterruptedException {
        List<Object> batch = batches.poll(10, TimeUnit.SECONDS);
        assertThat(batch).as("a batch ran within 10 s").isNotNull();
        return batch;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void submit_rejectsAtOnceWhenTheQueueIsFull() throws Exception {
        hold = true;
        scheduler(ModelConfig.builder().maxQueueSize(2).build(), false);
        ModelScheduler.Pending running = scheduler.submit("a", 1, null);
        awaitRunning(1);
        scheduler.submit("b", 1, null);
        scheduler.submit("c", 1, null);

        assertThatThrownBy(() -> scheduler.submit("d", 1, null))
                .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code())
                        .isEqualTo(ServingException.Code.QUEUE_FULL))
                .hasMessageContaining("2 requests queued (max-queue-size 2)");
        release.countDown();
        assertThat(running.result.get(10, TimeUnit.SECONDS)).isEqualTo("done a");
        assertThat(List.of(nextBatch(), nextBatch(), nextBatch())).containsExactly(List.of("a"), List.of("b"),
                List.of("c"));
    }

    @Test
    void queuedRequestThatTimesOut_neverRuns() throws Exception {
        hold = true;
        scheduler(ModelConfig.builder().requestTimeout(Duration.ofMillis(100)).build(), false);
        ModelScheduler.Pending first = scheduler.submit("first", 1, null);
        awaitRunning(1);
        ModelScheduler.Pending second = scheduler.submit("second", 1, null);

        time.advance(Duration.ofMillis(100));

        assertThatThrownBy(() -> second.result.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code())
                        .isEqualTo(ServingException.Code.TIMEOUT)).hasMessageContaining("never ran");
        assertThat(scheduler.queued()).isZero();
        release.countDown();
        assertThat(nextBatch()).containsExactly("first");
        assertThat(first.result.isCompletedExceptionally()).as("the first one was running when time passed: "
                + "it timed out too").isTrue();
        assertThat(batches.poll(200, TimeUnit.MILLISECONDS)).as("the timed-out request never runs").isNull();
    }

    @Test
    void batching_waitsForTheQueueDelay_thenRunsWhatIsThere() throws Exception {
        scheduler(ModelConfig.builder().maxBatchSize(4).maxQueueDelay(Duration.ofMillis(5))
                .requestTimeout(Duration.ZERO).build(), true);
        scheduler.submit("a", 1, "key");
        scheduler.submit("b", 1, "key");
        scheduler.submit("c", 1, "key");
        assertThat(scheduler.queued()).as("waiting for the batch to fill").isEqualTo(3);

        time.advance(Duration.ofMillis(5));

        assertThat(nextBatch()).containsExactly("a", "b", "c");
        assertThat(metrics.batch.sum()).isEqualTo(3);
    }

    @Test
    void batching_dispatchesAFullBatchAtOnce_andKeepsIncompatibleRequestsApart() throws Exception {
        scheduler(ModelConfig.builder().maxBatchSize(4).maxQueueDelay(Duration.ofHours(1))
                .requestTimeout(Duration.ZERO).build(), true);
        ModelScheduler.Pending odd = scheduler.submit("x", 1, "other");
        time.advance(Duration.ofHours(1));
        assertThat(nextBatch()).containsExactly("x");
        assertThat(odd.result.get(10, TimeUnit.SECONDS)).isEqualTo("done x");
        for (String work : List.of("a", "b", "c", "d")) {
            scheduler.submit(work, 1, "key");
        }
        assertThat(nextBatch()).containsExactly("a", "b", "c", "d");
    }

    @Test
    void batching_cutsAPreferredSizeWithoutWaiting() throws Exception {
        scheduler(ModelConfig.builder().maxBatchSize(8).maxQueueDelay(Duration.ofHours(1))
                .preferredBatchSizes(List.of(2)).requestTimeout(Duration.ZERO).build(), true);
        scheduler.submit("a", 1, "key");
        assertThat(scheduler.queued()).isEqualTo(1);
        scheduler.submit("b", 1, "key");
        assertThat(nextBatch()).containsExactly("a", "b");
    }

    @Test
    void drain_runsWhatIsQueued_refusesNewWork_thenCompletes() throws Exception {
        hold = true;
        scheduler(ModelConfig.defaults(), false);
        scheduler.submit("a", 1, null);
        awaitRunning(1);
        ModelScheduler.Pending queued = scheduler.submit("b", 1, null);

        var drained = scheduler.drain();

        assertThatThrownBy(() -> scheduler.submit("c", 1, null)).isInstanceOfSatisfying(ServingException.class,
                e -> assertThat(e.code()).isEqualTo(ServingException.Code.SHUTTING_DOWN));
        assertThat(drained).isNotDone();
        release.countDown();
        drained.get(10, TimeUnit.SECONDS);
        assertThat(queued.result.get()).isEqualTo("done b");
    }

    @Test
    void eachRequestTimesOutAtItsOwnDeadline_withOneTimerTaskArmedForAll() throws Exception {
        hold = true;
        scheduler(ModelConfig.builder().requestTimeout(Duration.ofMillis(100)).build(), false);
        ModelScheduler.Pending running = scheduler.submit("running", 1, null);
        awaitRunning(1);
        ModelScheduler.Pending early = scheduler.submit("early", 1, null);
        time.advance(Duration.ofMillis(50));
        ModelScheduler.Pending late = scheduler.submit("late", 1, null);

        assertThat(time.pendingTasks()).as("one armed task, not one per request").isEqualTo(1);
        time.advance(Duration.ofMillis(50));
        assertThat(running.result).isCompletedExceptionally();
        assertThat(early.result).isCompletedExceptionally();
        assertThat(late.result).as("its deadline is 50 ms later").isNotDone();
        assertThat(time.pendingTasks()).as("re-armed for the late one").isEqualTo(1);

        time.advance(Duration.ofMillis(50));
        assertThatThrownBy(() -> late.result.get(10, TimeUnit.SECONDS)).cause()
                .hasMessageContaining("never ran").hasMessageContaining("request-timeout is 100 ms");
        assertThat(time.pendingTasks()).as("nothing left to watch").isZero();
        release.countDown();
    }

    @Test
    void aRequestMayAskForLessTimeThanTheModelGives_butNotForMore() throws Exception {
        hold = true;
        scheduler(ModelConfig.builder().requestTimeout(Duration.ofSeconds(10)).build(), false);
        ModelScheduler.Pending running = scheduler.submit("running", 1, null);
        awaitRunning(1);
        ModelScheduler.Pending modelsLimit = scheduler.submit("model's", 1, null, true, Optional.empty());
        ModelScheduler.Pending longer = scheduler.submit("longer", 1, null, true, Optional.of(Duration.ofSeconds(60)));
        ModelScheduler.Pending shorter = scheduler.submit("shorter", 1, null, true, Optional.of(Duration.ofMillis(200)));

        time.advance(Duration.ofMillis(200));
        assertThatThrownBy(() -> shorter.result.get(10, TimeUnit.SECONDS)).cause()
                .hasMessageContaining("never ran").hasMessageContaining("the request's timeout parameter is 200000 us");
        assertThat(List.of(running.result, modelsLimit.result, longer.result)).noneMatch(java.util.concurrent.Future::isDone);
        assertThat(scheduler.queued()).isEqualTo(2);

        time.advance(Duration.ofMillis(9800));
        assertThatThrownBy(() -> longer.result.get(10, TimeUnit.SECONDS)).cause()
                .hasMessageContaining("request-timeout is 10000 ms");
        assertThat(modelsLimit.result).isCompletedExceptionally();
        release.countDown();
    }

    @Test
    void withoutAModelTimeout_theRequestsOwnStillApplies() throws Exception {
        hold = true;
        scheduler(ModelConfig.builder().requestTimeout(Duration.ZERO).build(), false);
        scheduler.submit("running", 1, null);
        awaitRunning(1);
        ModelScheduler.Pending unlimited = scheduler.submit("unlimited", 1, null);
        ModelScheduler.Pending limited = scheduler.submit("limited", 1, null, true, Optional.of(Duration.ofMillis(5)));
        assertThat(time.pendingTasks()).isEqualTo(1);

        time.advance(Duration.ofMillis(5));
        assertThat(limited.result).isCompletedExceptionally();
        assertThat(unlimited.result).isNotDone();
        assertThat(time.pendingTasks()).as("nothing left to watch").isZero();
        release.countDown();
        assertThat(unlimited.result.get(10, TimeUnit.SECONDS)).isEqualTo("done unlimited");
    }

    @Test
    void idleModel_runsOnTheSubmittingPlatformThread_withoutAWorkerHandOff() throws Exception {
        scheduler(ModelConfig.defaults(), false, new java.util.concurrent.Semaphore(0));

        ModelScheduler.Pending pending = scheduler.submit("a", 1, null);

        assertThat(pending.result).as("answered before submit returned").isDone();
        assertThat(pending.result.get()).isEqualTo("done a");
        assertThat(runThreads).containsExactly(Thread.currentThread());
        assertThat(pending.queueTime()).isZero();
    }

    @Test
    void virtualSubmitter_runsInlineOnlyWithACarrierPermit_andGivesItBack() throws Exception {
        java.util.concurrent.Semaphore carriers = new java.util.concurrent.Semaphore(1);
        scheduler(ModelConfig.defaults(), false, carriers);
        Thread first = Thread.ofVirtual().start(() -> scheduler.submit("a", 1, null));
        first.join();
        assertThat(runThreads).containsExactly(first);
        assertThat(carriers.availablePermits()).as("permit returned after the run").isEqualTo(1);

        carriers.acquire();
        java.util.concurrent.atomic.AtomicReference<ModelScheduler.Pending> queued = new java.util.concurrent.atomic.AtomicReference<>();
        Thread second = Thread.ofVirtual().start(() -> queued.set(scheduler.submit("b", 1, null)));
        second.join();
        assertThat(queued.get().result.get(10, TimeUnit.SECONDS)).isEqualTo("done b");
        assertThat(runThreads.get(1)).as("no permit: a worker ran it").isNotEqualTo(second)
                .matches(thread -> thread.getName().startsWith("outpost-run-m@1"));
    }

    @Test
    void busyModel_queuesInsteadOfRunningInline() throws Exception {
        hold = true;
        scheduler(ModelConfig.defaults(), false, new java.util.concurrent.Semaphore(0));
        Thread holder = Thread.ofPlatform().start(() -> scheduler.submit("a", 1, null));
        awaitRunning(1);

        ModelScheduler.Pending second = scheduler.submit("b", 1, null);

        assertThat(second.result).isNotDone();
        assertThat(scheduler.queued()).isEqualTo(1);
        release.countDown();
        holder.join();
        assertThat(second.result.get(10, TimeUnit.SECONDS)).isEqualTo("done b");
        assertThat(runThreads.get(1).getName()).startsWith("outpost-run-m@1");
    }

    @Test
    void batchingModel_stillWaitsForPeers_insteadOfRunningInline() throws Exception {
        scheduler(ModelConfig.builder().maxBatchSize(2).maxQueueDelay(Duration.ofSeconds(60))
                .requestTimeout(Duration.ZERO).build(), true, new java.util.concurrent.Semaphore(0));

        ModelScheduler.Pending first = scheduler.submit("a", 1, "key");

        assertThat(first.result).isNotDone();
        scheduler.submit("b", 1, "key");
        assertThat(nextBatch()).containsExactly("a", "b");
    }

    /** Waits until the runner was entered {@code count} times (a model call started). */
    private void awaitRunning(int count) throws InterruptedException {
        assertThat(entered.tryAcquire(count, 10, TimeUnit.SECONDS)).as("runner entered").isTrue();
    }
}
