package dev.outpost.benchmark;

import java.util.Objects;

/**
 * Energy used by the measured part of a run, or why it is unavailable. Never estimated.
 *
 * <p>Immutable and thread-safe.
 *
 * @param available whether a meter gave a reading
 * @param joules energy of the measured run; NaN when unavailable
 * @param joulesPerSample {@code joules / samples}; NaN when unavailable
 * @param source the meter, or the reason there is none
 */
public record EnergyResult(boolean available, double joules, double joulesPerSample, String source) {

    /** Requires a source, and finite figures exactly when available. */
    public EnergyResult {
        Objects.requireNonNull(source, "source");
        if (available != Double.isFinite(joules)) {
            throw new IllegalArgumentException("EnergyResult: available=" + available + " but joules=" + joules);
        }
    }

    /** No meter: the report shows "unavailable" and the reason. */
    public static EnergyResult unavailable(String reason) {
        return new EnergyResult(false, Double.NaN, Double.NaN, reason);
    }

    static EnergyResult measured(double joules, long samples, String source) {
        return new EnergyResult(true, joules, joules / Math.max(1, samples), source);
    }
}
