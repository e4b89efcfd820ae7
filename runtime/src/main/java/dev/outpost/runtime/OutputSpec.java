package dev.outpost.runtime;

/**
 * What a {@link PipelineSpec} does with a model's outputs: {@link ClassificationSpec top-k classes},
 * {@link DetectionSpec boxes}, or {@link Tensors nothing} (the raw tensors are the result).
 *
 * <p>Implementations are immutable and thread-safe.
 */
public sealed interface OutputSpec permits ClassificationSpec, DetectionSpec, OutputSpec.Tensors {

    /** No postprocessing: callers get the output tensors as they are. */
    record Tensors() implements OutputSpec { }
}
