package dev.outpost.runtime;

import java.util.List;
import java.util.Objects;

/**
 * The result of {@link ImagePreprocessor#preprocess}: the model input tensor for a batch of images
 * and, per image in batch order, the transform that maps model-input coordinates back to it.
 *
 * <p>Ownership: the batch owns its tensor; closing the batch closes the tensor (idempotent). Not
 * thread-safe for writing the tensor.
 *
 * @param inputName the model input this tensor is for
 * @param tensor the input tensor ({@code [N, C, H, W]} or {@code [N, H, W, C]})
 * @param transforms one per image, in batch order
 */
public record PreprocessedBatch(String inputName, Tensor tensor, List<ImageTransform> transforms)
        implements AutoCloseable {

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public PreprocessedBatch {
        Objects.requireNonNull(inputName, "inputName");
        Objects.requireNonNull(tensor, "tensor");
        transforms = List.copyOf(transforms);
        if (tensor.rank() < 1 || tensor.dim(0) != transforms.size()) {
            throw new IllegalArgumentException("tensor " + tensor + " does not hold " + transforms.size() + " images");
        }
    }

    /** Closes the tensor. */
    @Override
    public void close() {
        tensor.close();
    }
}
