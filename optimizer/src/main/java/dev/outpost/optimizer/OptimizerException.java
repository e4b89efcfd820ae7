package dev.outpost.optimizer;

import java.util.Objects;

/**
 * The optimizer's one exception: a model it cannot transform, an option that does not fit the model,
 * calibration or evaluation data it cannot use. The message names what was expected and what was
 * received, and, for a model the optimizer cannot handle, the node and operator. Nothing is written
 * when one is thrown: outputs are written to a temporary file and moved into place only on success.
 */
public final class OptimizerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, for callers that act on it (the CLI maps these to exit codes). */
    public enum Code {
        /** An option is invalid or does not fit the model (unknown op name, sparsity out of range, ...). */
        INVALID_OPTION,
        /** The model has a node or opset the pass cannot handle; the message names the node and op. */
        UNSUPPORTED_MODEL,
        /** Calibration or evaluation data is missing, unreadable or does not fit the model's inputs. */
        BAD_DATA,
        /** The transformed model failed its own checks (validation, loading, fidelity to the original). */
        VERIFICATION_FAILED,
        /** Reading or writing a file failed. */
        IO
    }

    private final Code code;

    public OptimizerException(Code code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public OptimizerException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The machine-readable category. */
    public Code code() {
        return code;
    }
}
