package dev.outpost.serving;

import dev.outpost.runtime.Tensor;
import java.util.Objects;

/**
 * One tensor of a request or response: its name and the data, as a runtime {@link Tensor} (numeric
 * data in a direct buffer; BYTES as strings). The OIP datatype and shape are the tensor's.
 *
 * <p>Immutable; the tensor is owned by whoever built the request or response that holds it.
 *
 * @param name the input or output name
 * @param tensor the data
 */
public record NamedTensor(String name, Tensor tensor) {

    /** Validates: a non-blank name and a tensor. */
    public NamedTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tensor, "tensor");
        if (name.isBlank()) {
            throw new IllegalArgumentException("A tensor name must not be blank");
        }
    }

    /** The Open Inference Protocol datatype ({@code FP32}, {@code BYTES}, ...). */
    public String datatype() {
        return tensor.type().oipName();
    }

    /** A copy of the shape. */
    public long[] shape() {
        return tensor.shape();
    }
}
