package dev.outpost.benchmark;

/** A system under test that runs one model session on inputs it owns; closing it frees them. */
public interface SessionSut extends Sut, AutoCloseable {

    /** Samples processed by one run of the model (the batch). */
    int samplesPerRun();

    /** What the inputs are, for the report: {@code random (seed 1)}, a folder of .npy files, images. */
    String describeInputs();

    /** One run of the model on the next inputs (outputs closed at once). */
    void runOnce();

    /** True once {@link #close()} was called. */
    boolean isClosed();

    /** Runs the model {@code ceil(samples / samplesPerRun())} times. */
    @Override
    default void issue(int samples) {
        if (isClosed()) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
        int runs = (samples + samplesPerRun() - 1) / samplesPerRun();
        for (int run = 0; run < runs; run++) {
            runOnce();
        }
    }

    /** Frees the inputs. Idempotent. */
    @Override
    void close();
}
