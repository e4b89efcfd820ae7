package dev.outpost.serving;

import java.util.Objects;

/**
 * The one exception type of the serving module, with a machine-readable {@link Code}. Transports
 * map codes to their status in one place (REST: {@code HttpErrors}).
 *
 * <p>Immutable and thread-safe.
 */
public final class ServingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, in the terms a transport needs to answer. */
    public enum Code {
        /** No model (or version) of that name in the repository or manager (REST 404). */
        MODEL_NOT_FOUND,
        /** The model exists but is not ready: loading, unloaded or failed to load (REST 400 / 503 for infer). */
        MODEL_NOT_READY,
        /** The request is malformed or does not fit the model: the client's mistake (REST 400). */
        INVALID_REQUEST,
        /** The request body exceeds the configured size limit (REST 413). */
        PAYLOAD_TOO_LARGE,
        /** The model's queue is full; try again later (REST 503 with Retry-After). */
        QUEUE_FULL,
        /** The request waited or ran longer than its timeout; a queued request that times out never runs (REST 504). */
        TIMEOUT,
        /** The server is shutting down and takes no new requests (REST 503). */
        SHUTTING_DOWN,
        /** The model failed while running on a valid request (REST 500). */
        INFERENCE_FAILED,
        /** A repository folder, model file or config file is unusable (load fails with the reason). */
        INVALID_REPOSITORY,
        /** Client side ({@link OipClient}): the server cannot be reached, broke the connection or did not answer in time. */
        UNREACHABLE
    }

    private final Code code;

    /** An exception with a code and a message naming what was expected and what was received. */
    public ServingException(Code code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** Like {@link #ServingException(Code, String)}, with the cause. */
    public ServingException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The code. */
    public Code code() {
        return code;
    }
}
