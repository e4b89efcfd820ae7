package dev.outpost.benchmark;

import java.util.Objects;

/**
 * The benchmark module's one exception: a bad option or budget, unusable inputs, or a measurement that
 * failed, with a machine-readable {@link Code} and a message naming what was expected and received.
 * Failures of the model itself arrive as the runtime's {@code InferenceException}.
 */
public final class BenchmarkException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Code {
        /** A setting is out of range or contradicts another (duration, rate, batch, ...). */
        INVALID_SETTING,
        /** An SLA budget string does not parse. */
        INVALID_BUDGET,
        /** Inputs cannot be made for the model (unsupported type, dynamic dimension, missing .npy). */
        INPUTS,
        /** The fresh process of the cold-start measurement failed or printed something unexpected. */
        COLD_START,
        /** The system under test threw while the load ran. */
        SUT_FAILURE,
        /** A file could not be read or written. */
        IO,
        /** A benchmark JSON file is not JSON, or not of the schema {@value BenchJson#SCHEMA}. */
        INVALID_REPORT
    }

    private final Code code;

    public BenchmarkException(Code code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public BenchmarkException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The machine-readable category. */
    public Code code() {
        return code;
    }
}
