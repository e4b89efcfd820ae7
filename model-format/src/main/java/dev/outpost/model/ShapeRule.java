package dev.outpost.model;

/**
 * The shape and type rule of one operator: reads the node's inputs and attributes from the step and
 * writes its outputs. Throws {@link UnresolvedShape} when it cannot tell (never guesses) and
 * {@link ModelFormatException} {@code SHAPE_MISMATCH} when the inputs contradict the operator.
 */
@FunctionalInterface
interface ShapeRule {

    void apply(InferenceStep step) throws UnresolvedShape;
}
