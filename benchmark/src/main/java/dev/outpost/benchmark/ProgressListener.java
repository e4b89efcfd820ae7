package dev.outpost.benchmark;

/**
 * Told how far a benchmark has come, for a progress indicator. Called from the measuring thread at most
 * a few times per second; must return quickly and must not throw.
 */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores every update. */
    ProgressListener NONE = (phase, fraction) -> { };

    /**
     * @param phase what is running, e.g. {@code "warm-up"} or {@code "SingleStream 2/3"}
     * @param fraction how much of the phase is done, 0 to 1
     */
    void update(String phase, double fraction);
}
