package dev.outpost.serving;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** Test hooks for {@link ModelManager#beforeRun}. Stateless. */
final class RunHold {

    private RunHold() {
    }

    /** Releases a permit on {@code entered} as each model call starts, then holds the call until {@code release} opens (30 s at most). */
    static Runnable until(Semaphore entered, CountDownLatch release) {
        return () -> {
            entered.release();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }
}
