package dev.outpost.serving;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The queue and run slots of one model version: a bounded queue (full: rejected at once), at most
 * {@link ModelConfig#maxConcurrentRuns()} model calls at a time, dynamic batching of compatible
 * requests (same batch key) and per-request timeouts. Time comes from the injected clock and timer.
 *
 * <p>Batching follows Triton's dynamic batcher: a batch is dispatched when it reaches the max batch
 * size, when it can be cut to a preferred size, when the next queued request cannot join it, or when
 * its oldest request has waited the max queue delay.
 *
 * <p>A request that finds the model idle (nothing queued, a run slot free, nothing to wait for to
 * batch) runs at once on the submitting thread: the hand-off to a worker and back costs two thread
 * wake-ups, about 60 us on a 2-vCPU VM, which is a fifth of a small model's whole REST round trip. A
 * virtual submitting thread needs one of the {@code inlineCarriers} permits for that, because a
 * native ONNX Runtime call pins its carrier; with the permits at carriers - 1, one carrier always
 * stays free for the server's other virtual threads. Everything else queues for the scheduler's own
 * platform threads.
 *
 * <p>Thread-safe: one lock guards the queue; model calls run outside it.
 */
final class ModelScheduler implements AutoCloseable {

    /** Runs a batch on a worker thread; completes every {@link Pending#result} it can. */
    interface Runner {
        void run(List<Pending> batch);
    }

    /**
     * A request's time limit and what set it, for the message of a request that runs out of it.
     *
     * @param limit how long it may wait and run; {@link Duration#ZERO}: no limit
     * @param source e.g. "request-timeout is 500 ms"
     */
    record Timeout(Duration limit, String source) {
        static final Timeout NONE = new Timeout(Duration.ZERO, "");

        boolean none() {
            return limit.isZero();
        }
    }

    /** One queued or running unit of work. */
    static final class Pending {
        final Object work;
        final int rows;
        final Object batchKey;
        final Instant enqueued;
        /** How long it may wait and run, and what set that (for the message); ZERO: no limit. */
        final Timeout timeout;
        final CompletableFuture<Object> result = new CompletableFuture<>();
        volatile Instant started;

        Pending(Object work, int rows, Object batchKey, Instant enqueued, Timeout timeout) {
            this.work = work;
            this.rows = rows;
            this.batchKey = batchKey;
            this.enqueued = enqueued;
            this.timeout = timeout;
        }

        Instant deadline() {
            return enqueued.plus(timeout.limit());
        }

        /**
         * The outcome as the type the work produces (a request's work answers with its response type):
         * this very future, not a dependent one, so that cancelling it cancels the request. A dependent
         * stage's cancel would not reach back here, and a cancelled call would keep its queue place and
         * still run.
         */
        @SuppressWarnings("unchecked")
        <T> CompletableFuture<T> outcome() {
            return (CompletableFuture<T>) (CompletableFuture<?>) result;
        }

        Duration queueTime() {
            Instant start = started;
            return start == null ? Duration.ZERO : Duration.between(enqueued, start);
        }
    }

    private final String label;
    private final ModelConfig config;
    private final boolean batching;
    private final Runner runner;
    private final InstantSource clock;
    private final TaskTimer timer;
    private final ServingMetrics.ModelMetrics metrics;
    private final ExecutorService workers;
    private final Semaphore inlineCarriers;
    private final CoreShare cores;
    private final int threadsPerCall;
    private final Object lock = new Object();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /**
     * Requests that may still time out, earliest deadline first (a request may ask for less time than
     * the model's request-timeout). One timer task is armed for the earliest live deadline at a
     * time, re-armed when an earlier one arrives; answered requests are dropped lazily. Scheduling and cancelling a timer task per request
     * woke the timer thread twice per request, which cost 0.2 to 0.3 ms of a 7 ms model call on the
     * 2-vCPU VM (measured in-process with and without a request timeout).
     */
    private final PriorityQueue<Pending> deadlines = new PriorityQueue<>(Comparator.comparing(Pending::deadline));
    private Instant deadlineArmedFor;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private int running;
    private boolean draining;
    private Instant armedFor;

    /**
     * @param inlineCarriers permits for running on a virtual submitting thread (shared by every model of
     *     a server); null: never run on the submitting thread
     * @param cores the server's cores, shared by every model's calls
     * @param threadsPerCall the intra-op threads of one call: the cores it holds while it runs
     */
    ModelScheduler(String label, ModelConfig config, boolean batching, Runner runner, InstantSource clock,
                   TaskTimer timer, ServingMetrics.ModelMetrics metrics, Semaphore inlineCarriers, CoreShare cores,
                   int threadsPerCall) {
        this.label = label;
        this.cores = cores;
        this.threadsPerCall = threadsPerCall;
        this.inlineCarriers = inlineCarriers;
        this.config = config;
        this.batching = batching && config.maxBatchSize() > 1;
        this.runner = runner;
        this.clock = clock;
        this.timer = timer;
        this.metrics = metrics;
        AtomicInteger count = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(config.maxConcurrentRuns(), runnable -> {
            Thread thread = new Thread(runnable, "outpost-run-" + label + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** True when compatible requests are batched. */
    boolean batching() {
        return batching;
    }

    /**
     * Queues work, or runs it at once on this thread when the model is idle (see the class comment);
     * either way the outcome arrives through {@link Pending#result}.
     *
     * @param rows rows along the batch dimension (1 for unbatchable work)
     * @param batchKey equal keys may run in one batch; null: never batched
     * @throws ServingException QUEUE_FULL when the queue holds max-queue-size requests, SHUTTING_DOWN when draining
     */
    Pending submit(Object work, int rows, Object batchKey) {
        return submit(work, rows, batchKey, true);
    }

    /**
     * Like {@link #submit(Object, int, Object)}; with {@code mayRunOnCaller} false the work always
     * queues for the scheduler's threads.
     */
    Pending submit(Object work, int rows, Object batchKey, boolean mayRunOnCaller) {
        return submit(work, rows, batchKey, mayRunOnCaller, Optional.empty());
    }

    /**
     * Like {@link #submit(Object, int, Object, boolean)}, with the time the request asks to be limited
     * to (Triton's {@code timeout} parameter); the model's request-timeout still applies when it is
     * shorter.
     */
    Pending submit(Object work, int rows, Object batchKey, boolean mayRunOnCaller, Optional<Duration> requested) {
        Pending pending = new Pending(work, rows, batching ? batchKey : null, clock.instant(), timeout(requested));
        Inline inline;
        synchronized (lock) {
            if (draining) {
                throw new ServingException(ServingException.Code.SHUTTING_DOWN, "Model " + label
                        + " is shutting down or unloading and takes no new requests");
            }
            if (queue.size() >= config.maxQueueSize()) {
                throw new ServingException(ServingException.Code.QUEUE_FULL, "Model " + label + " has " + queue.size()
                        + " requests queued (max-queue-size " + config.maxQueueSize() + ") and " + running
                        + " running; retry later");
            }
            if (!pending.timeout.none()) {
                deadlines.add(pending);
            }
            inline = mayRunOnCaller ? inline(pending) : Inline.NO;
            if (inline == Inline.NO) {
                queue.addLast(pending);
            } else {
                running++;
                pending.started = pending.enqueued;
            }
        }
        if (!pending.timeout.none()) {
            armDeadlines();
        }
        pending.result.whenComplete((value, error) -> {
            if (error instanceof CancellationException) {
                synchronized (lock) {
                    queue.remove(pending);
                }
            }
        });
        if (inline == Inline.NO) {
            dispatch();
            return pending;
        }
        try {
            execute(List.of(pending));
        } finally {
            if (inline == Inline.ON_CARRIER) {
                inlineCarriers.release();
            }
        }
        return pending;
    }

    private Timeout timeout(Optional<Duration> requested) {
        Duration model = config.requestTimeout();
        if (requested.isPresent() && (model.isZero() || requested.get().compareTo(model) < 0)) {
            return new Timeout(requested.get(), "the request's timeout parameter is "
                    + requested.get().toNanos() / 1000 + " us");
        }
        return model.isZero() ? Timeout.NONE : new Timeout(model, "request-timeout is " + model.toMillis() + " ms");
    }

    private enum Inline { NO, ON_PLATFORM_THREAD, ON_CARRIER }

    /** Whether {@code pending} runs on the submitting thread; takes a carrier permit when it does on a virtual one. */
    private Inline inline(Pending pending) {
        boolean idle = inlineCarriers != null && queue.isEmpty() && running < config.maxConcurrentRuns();
        boolean nothingToWaitFor = pending.batchKey == null || pending.rows >= config.maxBatchSize()
                || config.maxQueueDelay().isZero();
        if (!idle || !nothingToWaitFor) {
            return Inline.NO;
        }
        if (!Thread.currentThread().isVirtual()) {
            return Inline.ON_PLATFORM_THREAD;
        }
        return inlineCarriers.tryAcquire() ? Inline.ON_CARRIER : Inline.NO;
    }

    /** The model's settings. */
    ModelConfig config() {
        return config;
    }

    /** The intra-op threads of one call. */
    int threadsPerCall() {
        return threadsPerCall;
    }

    /** Requests waiting to run. */
    int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /** Model calls running now. */
    int running() {
        synchronized (lock) {
            return running;
        }
    }

    /** Stops accepting work; the future completes once the queue is empty and no call runs. */
    CompletableFuture<Void> drain() {
        synchronized (lock) {
            draining = true;
        }
        dispatch();
        checkDrained();
        return drained;
    }

    /** Stops the worker threads; call after {@link #drain()} completed. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            draining = true;
        }
        workers.shutdown();
    }

    /** Drops answered requests from the head of {@link #deadlines}. Call under the lock. */
    private void dropAnswered() {
        while (!deadlines.isEmpty() && deadlines.peek().result.isDone()) {
            deadlines.poll();
        }
    }

    /** Arms the timer for the earliest live deadline, unless a task is armed for it or an earlier one. */
    private void armDeadlines() {
        Instant deadline;
        synchronized (lock) {
            dropAnswered();
            if (deadlines.isEmpty()) {
                return;
            }
            deadline = deadlines.peek().deadline();
            if (deadlineArmedFor != null && !deadline.isBefore(deadlineArmedFor)) {
                return;
            }
            deadlineArmedFor = deadline;
        }
        timer.schedule(Duration.between(clock.instant(), deadline), () -> checkDeadlines(deadline));
    }

    /**
     * An armed task: expires every request past its deadline, then arms for the next one. A task
     * superseded by an earlier deadline still runs and expires what is due.
     */
    private void checkDeadlines(Instant armedFor) {
        Instant now = clock.instant();
        List<Pending> expired = new ArrayList<>();
        synchronized (lock) {
            if (armedFor.equals(deadlineArmedFor)) {
                deadlineArmedFor = null;
            }
            dropAnswered();
            while (!deadlines.isEmpty() && !now.isBefore(deadlines.peek().deadline())) {
                expired.add(deadlines.poll());
                dropAnswered();
            }
        }
        expired.forEach(this::expire);
        armDeadlines();
    }

    private void expire(Pending pending) {
        boolean wasQueued;
        synchronized (lock) {
            wasQueued = queue.remove(pending);
        }
        if (pending.result.isDone()) {
            return;
        }
        String where = wasQueued ? "waited in the queue for " + Duration.between(pending.enqueued, clock.instant())
                .toMillis() + " ms and never ran" : "was still running";
        if (pending.result.completeExceptionally(new ServingException(ServingException.Code.TIMEOUT, "Request to model "
                + label + " timed out: it " + where + "; " + pending.timeout.source()))) {
            metrics.queue.observe(ServingMetrics.seconds(Duration.between(pending.enqueued, clock.instant())));
        }
        checkDrained();
    }

    private void dispatch() {
        List<List<Pending>> batches = new ArrayList<>();
        synchronized (lock) {
            Instant now = clock.instant();
            while (running < config.maxConcurrentRuns() && !queue.isEmpty()) {
                List<Pending> batch = nextBatch(now);
                if (batch.isEmpty()) {
                    break;
                }
                for (Pending pending : batch) {
                    queue.remove(pending);
                    pending.started = now;
                }
                running++;
                batches.add(batch);
            }
        }
        for (List<Pending> batch : batches) {
            workers.execute(() -> execute(batch));
        }
    }

    /** The next batch to run, or an empty list when the head should wait for more requests (timer armed). */
    private List<Pending> nextBatch(Instant now) {
        Pending head = queue.peekFirst();
        if (!batching || head.batchKey == null || head.rows >= config.maxBatchSize()) {
            return List.of(head);
        }
        List<Pending> candidates = new ArrayList<>();
        int rows = 0;
        boolean blocked = false;
        for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
            Pending next = it.next();
            if (!Objects.equals(head.batchKey, next.batchKey) || rows + next.rows > config.maxBatchSize()) {
                blocked = true;
                break;
            }
            candidates.add(next);
            rows += next.rows;
        }
        if (rows == config.maxBatchSize() || blocked || draining) {
            return candidates;
        }
        for (int i = config.preferredBatchSizes().size() - 1; i >= 0; i--) {
            int preferred = config.preferredBatchSizes().get(i);
            int sum = 0;
            for (int taken = 0; taken < candidates.size() && sum < preferred; taken++) {
                sum += candidates.get(taken).rows;
                if (sum == preferred) {
                    return List.copyOf(candidates.subList(0, taken + 1));
                }
            }
        }
        Instant deadline = head.enqueued.plus(config.maxQueueDelay());
        if (!now.isBefore(deadline)) {
            return candidates;
        }
        if (armedFor == null || deadline.isBefore(armedFor)) {
            armedFor = deadline;
            timer.schedule(Duration.between(now, deadline), () -> {
                synchronized (lock) {
                    armedFor = null;
                }
                dispatch();
            });
        }
        return List.of();
    }

    private void execute(List<Pending> batch) {
        List<Pending> live = batch;
        try (CoreShare.Lease lease = cores.acquire(threadsPerCall, label)) {
            // Waiting for cores that other models' calls hold is queueing too; a request that timed out or
            // was cancelled meanwhile is dropped here.
            Instant start = clock.instant();
            live = batch.stream().filter(pending -> !pending.result.isDone()).toList();
            if (!live.isEmpty()) {
                for (Pending pending : live) {
                    pending.started = start;
                    metrics.queue.observe(ServingMetrics.seconds(pending.queueTime()));
                }
                metrics.batch.observe(live.stream().mapToInt(pending -> pending.rows).sum());
                runner.run(live);
                metrics.compute.observe(ServingMetrics.seconds(Duration.between(start, clock.instant())));
            }
        } catch (RuntimeException | Error e) {
            ServingException failure = e instanceof ServingException serving ? serving
                    : new ServingException(ServingException.Code.INFERENCE_FAILED, "Model " + label + " failed: " + e, e);
            live.forEach(pending -> pending.result.completeExceptionally(failure));
        } finally {
            synchronized (lock) {
                running--;
            }
            dispatch();
            checkDrained();
        }
    }

    private void checkDrained() {
        boolean done;
        synchronized (lock) {
            done = draining && queue.isEmpty() && running == 0;
        }
        if (done) {
            drained.complete(null);
        }
    }

    @Override
    public String toString() {
        return "ModelScheduler[" + label + ", queued " + queued() + ", running " + running() + "]";
    }
}
