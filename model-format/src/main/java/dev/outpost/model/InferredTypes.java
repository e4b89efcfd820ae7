package dev.outpost.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of shape inference over a model's main graph: the element type and shape of every tensor
 * that could be resolved, where each came from, and the tensors that could not be resolved with the reason.
 *
 * <p>Immutable and thread-safe. Maps keep the graph's order (initializers, graph inputs, then node outputs
 * in topological order).
 *
 * @param tensors resolved tensors by name
 * @param origins for each resolved tensor, how it was resolved
 * @param unresolved tensors that could not be resolved, by name, with the reason (never guessed)
 */
public record InferredTypes(Map<String, TypeAndShape> tensors, Map<String, Origin> origins,
                            Map<String, String> unresolved) {

    /** How a tensor's type and shape became known. */
    public enum Origin {
        /** Declared on a graph input. */
        GRAPH_INPUT,
        /** Taken from an initializer or a Constant node. */
        CONSTANT,
        /** Computed by Outpost's per-operator rules. */
        RULE,
        /** Not computable by the rules; taken from the model's own {@code value_info}. */
        VALUE_INFO,
        /** Not computable by the rules; reported by a {@link ShapeOracle}. */
        ORACLE
    }

    /** Copies the maps; every resolved tensor needs an origin, and none may be both resolved and unresolved. */
    public InferredTypes {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        origins = Collections.unmodifiableMap(new LinkedHashMap<>(origins));
        unresolved = Collections.unmodifiableMap(new LinkedHashMap<>(unresolved));
        if (!origins.keySet().equals(tensors.keySet())) {
            throw new IllegalArgumentException("Every resolved tensor needs an origin; tensors "
                    + tensors.keySet() + ", origins " + origins.keySet());
        }
        for (String name : unresolved.keySet()) {
            if (tensors.containsKey(name)) {
                throw new IllegalArgumentException("Tensor '" + name + "' is both resolved and unresolved");
            }
        }
    }

    /** The type and shape of the named tensor, if it was resolved. */
    public Optional<TypeAndShape> find(String tensorName) {
        return Optional.ofNullable(tensors.get(Objects.requireNonNull(tensorName, "tensorName")));
    }

    /**
     * The type and shape of the named tensor.
     *
     * @throws ModelFormatException {@code SHAPE_MISMATCH} with the reason when it is unresolved or unknown
     */
    public TypeAndShape get(String tensorName) {
        TypeAndShape found = tensors.get(tensorName);
        if (found != null) {
            return found;
        }
        String reason = unresolved.get(tensorName);
        throw new ModelFormatException(ModelFormatException.Code.SHAPE_MISMATCH, reason != null
                ? "Shape of tensor '" + tensorName + "' is unresolved: " + reason
                : "No tensor named '" + tensorName + "' in the main graph");
    }

    /** True when every tensor of the graph was resolved. */
    public boolean isComplete() {
        return unresolved.isEmpty();
    }
}
