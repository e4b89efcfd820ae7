package dev.outpost.benchmark;

/**
 * The system under test: something that processes samples synchronously. A scenario calls
 * {@link #issue(int)} for each query and measures the time until it returns. The real one wraps a
 * {@code ModelSession} ({@link ModelSut}); tests use synthetic ones of known latency.
 *
 * <p>Implementations used by the {@link Scenario#SERVER} scenario with more than one worker must be
 * thread-safe; every other scenario calls from one thread.
 */
@FunctionalInterface
public interface Sut {

    /**
     * Processes {@code samples} samples (one query) and returns when all are done.
     *
     * @param samples number of samples in the query, at least 1
     */
    void issue(int samples);
}
