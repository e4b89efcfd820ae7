package dev.outpost.model;

/**
 * Thrown inside shape inference when a rule cannot determine an output (an input is unresolved, a
 * shape input is not a constant, an op has no rule). Caught by {@link ShapeInference}, which records the
 * node's outputs as unresolved with this message; never escapes the package.
 */
final class UnresolvedShape extends Exception {

    private static final long serialVersionUID = 1L;

    UnresolvedShape(String reason) {
        super(reason, null, false, false);
    }
}
