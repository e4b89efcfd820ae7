package dev.outpost.serving;

import java.util.concurrent.Semaphore;

/**
 * The server's cores, shared by the model calls of every model: a call holds as many permits as its
 * session has intra-op threads while it runs, so that the ONNX Runtime threads computing at once
 * never outnumber the cores, however many models are busy. A model's own settings (cores / concurrent
 * runs threads per call) keep one model within the cores; without this share two busy models with
 * the default settings would each run a call over every core, and their threads would contend.
 *
 * <p>Permits are handed out first come, first served, so a call that needs every core is not starved
 * by a stream of one-thread calls. Thread-safe.
 */
final class CoreShare {

    /** The permits one running call holds; closing gives them back. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    private final int cores;
    private final Semaphore threads;

    /** @param cores permits to share, at least 1 */
    CoreShare(int cores) {
        if (cores < 1) {
            throw new IllegalArgumentException("cores must be >= 1, got " + cores);
        }
        this.cores = cores;
        this.threads = new Semaphore(cores, true);
    }

    /**
     * Waits until {@code threadsPerCall} cores are free (all of them, for a call configured with more
     * threads than there are cores) and takes them.
     *
     * @throws ServingException SHUTTING_DOWN when the waiting thread is interrupted (the server stopping)
     */
    Lease acquire(int threadsPerCall, String model) {
        int permits = Math.max(1, Math.min(cores, threadsPerCall));
        try {
            threads.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServingException(ServingException.Code.SHUTTING_DOWN, "Model " + model
                    + " was stopped while its call waited for free cores");
        }
        return () -> threads.release(permits);
    }

    /** Model calls waiting for cores now. */
    int waiting() {
        return threads.getQueueLength();
    }

    /** Cores held by running calls now. */
    int busy() {
        return cores - threads.availablePermits();
    }

    /** The cores shared. */
    int cores() {
        return cores;
    }
}
