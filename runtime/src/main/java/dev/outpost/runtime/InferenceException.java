package dev.outpost.runtime;

import java.util.Objects;

/**
 * The runtime's one exception: every failure of loading or running a model, with a machine-readable
 * {@link Code} and a message that names what was expected and what was received.
 */
public final class InferenceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, for callers that act on it (an HTTP layer maps these to status codes). */
    public enum Code {
        /** An input has a name the model does not have. */
        UNKNOWN_INPUT,
        /** A model input was not given. */
        MISSING_INPUT,
        /** An input's shape does not fit the model's. */
        WRONG_SHAPE,
        /** An input's element type is not the model's. */
        WRONG_TYPE,
        /** A request is malformed in another way (bad output name, bad option, ...). */
        INVALID_ARGUMENT,
        /** The model file is missing or unreadable. */
        MODEL_NOT_FOUND,
        /** The bytes are not a model ONNX Runtime can load (corrupt, truncated, not ONNX). */
        INVALID_MODEL,
        /** The model uses an operator this ONNX Runtime build does not implement. */
        UNSUPPORTED_OPERATOR,
        /** A requested execution provider is not available in this build or on this machine. */
        PROVIDER_UNAVAILABLE,
        /** An output that the runtime cannot return (e.g. a nested sequence). */
        UNSUPPORTED_OUTPUT,
        /** The run was cancelled through its {@link RunControl} (e.g. because its request timed out). */
        CANCELLED,
        /** Pre- or post-processing failed (bad image, bad pipeline declaration). */
        PIPELINE,
        /** ONNX Runtime failed while running the model. */
        BACKEND_FAILURE,
        /** The session or engine was already closed. */
        CLOSED
    }

    private final Code code;

    public InferenceException(Code code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public InferenceException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The machine-readable category. */
    public Code code() {
        return code;
    }

    @Override
    public String getMessage() {
        return code + ": " + super.getMessage();
    }
}
