package dev.outpost.model;

import java.util.Objects;

/**
 * The model-format module's one exception, with a machine-readable {@link Code} and a message that
 * names the node and tensor involved, what was expected and what was found.
 */
public final class ModelFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Code {
        /** The file does not exist or cannot be read or written. */
        IO,
        /** The bytes are not an ONNX model (not protobuf, or not a ModelProto). */
        NOT_ONNX,
        /** The file ends early. */
        TRUNCATED,
        /** The model parses but breaks an ONNX rule (bad type, bad attribute, ...). */
        INVALID_MODEL,
        /** The graph has a cycle. */
        CYCLE,
        /** A node reads a tensor that nothing produces. */
        DANGLING_INPUT,
        /** Two producers write the same tensor name. */
        DUPLICATE_OUTPUT,
        /** An operator domain the model does not import, or an op type unknown in its domain. */
        UNKNOWN_OPERATOR,
        /** Shapes that do not agree (e.g. Conv channels, MatMul inner dimension). */
        SHAPE_MISMATCH,
        /** An external-data file is missing, short, or outside the model's folder. */
        EXTERNAL_DATA,
        /** The model exceeds a limit (the 2 GB protobuf message limit) and cannot be written as asked. */
        TOO_LARGE,
        /** A graph edit that would break the graph (rename onto an existing name, ...). */
        INVALID_EDIT
    }

    private final Code code;

    /** An exception with {@code code} and a message naming what was expected and what was found. */
    public ModelFormatException(Code code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** As {@link #ModelFormatException(Code, String)}, keeping the exception that caused it. */
    public ModelFormatException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** What went wrong, for callers that branch on it (the message also starts with it). */
    public Code code() {
        return code;
    }

    @Override
    public String getMessage() {
        return code + ": " + super.getMessage();
    }
}
