package dev.outpost.model;

import java.util.Objects;

/**
 * One finding of {@link OnnxModel#validate()}: how bad, which rule, and a message naming the node and
 * tensor involved.
 *
 * <p>Immutable and thread-safe.
 *
 * @param severity ERROR breaks the model; WARNING is worth knowing but loadable
 * @param code the rule, as the code a throwing check would use
 * @param message what is wrong, naming node and tensor
 */
public record Problem(Severity severity, ModelFormatException.Code code, String message) {

    /** How bad a problem is. */
    public enum Severity {
        /** The model breaks an ONNX rule; runtimes will refuse or misbehave. */
        ERROR,
        /** Not provably wrong, e.g. an operator from a custom domain the catalog cannot check. */
        WARNING
    }

    /** Requires every component. */
    public Problem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /** True for {@link Severity#ERROR}. */
    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        return severity + " " + code + ": " + message;
    }
}
