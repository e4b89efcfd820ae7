package dev.outpost.serving;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay. Injected into the scheduling code, so that tests advance time by hand
 * instead of sleeping; the production timer is one daemon thread.
 *
 * <p>Implementations are thread-safe. Tasks must be short: they only move requests between states.
 */
interface TaskTimer extends AutoCloseable {

    /** A scheduled task that can be cancelled; cancelling a task that already ran does nothing. */
    interface Scheduled {
        void cancel();
    }

    /** Runs {@code task} once, {@code delay} from now (at once for a zero or negative delay). */
    Scheduled schedule(Duration delay, Runnable task);

    /** Stops the timer; tasks not yet run are dropped. Idempotent. */
    @Override
    void close();

    /** A timer on one daemon platform thread. */
    static TaskTimer system() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "outpost-serving-timer");
            thread.setDaemon(true);
            return thread;
        });
        // Every request schedules its timeout and cancels it when answered: drop cancelled tasks at
        // once, or a busy server would keep request-timeout x rate of them in the queue.
        executor.setRemoveOnCancelPolicy(true);
        return new TaskTimer() {
            @Override
            public Scheduled schedule(Duration delay, Runnable task) {
                ScheduledFuture<?> future = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
                return () -> future.cancel(false);
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }
}
