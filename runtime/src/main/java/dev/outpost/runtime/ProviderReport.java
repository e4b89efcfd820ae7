package dev.outpost.runtime;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which execution providers a session asked for and which it got. ONNX Runtime assigns each node to
 * the first registered provider that supports it; {@link ExecutionProvider#CPU} is always registered
 * last and takes the rest. Per-node placement is not visible through ONNX Runtime's Java API, so
 * {@link #used()} lists the providers registered with the session, in priority order.
 *
 * <p>Immutable and thread-safe.
 *
 * @param requested the providers the {@link SessionConfig} asked for, in order of preference
 * @param used the providers registered with the session, in priority order, always ending with CPU
 * @param fallbacks each requested provider that was skipped, with the reason ONNX Runtime gave
 */
public record ProviderReport(List<ExecutionProvider> requested, List<ExecutionProvider> used,
                             Map<ExecutionProvider, String> fallbacks) {

    /** Validates that {@code used} ends with CPU and copies the collections. */
    public ProviderReport {
        requested = List.copyOf(requested);
        used = List.copyOf(used);
        if (used.isEmpty() || used.get(used.size() - 1) != ExecutionProvider.CPU) {
            throw new IllegalArgumentException("used providers " + used + " must end with CPU");
        }
        var copy = new EnumMap<ExecutionProvider, String>(ExecutionProvider.class);
        fallbacks.forEach((provider, reason) -> copy.put(provider, Objects.requireNonNull(reason, "reason")));
        fallbacks = java.util.Collections.unmodifiableMap(copy);
    }

    /** True when at least one requested provider was skipped. */
    public boolean fellBack() {
        return !fallbacks.isEmpty();
    }

    /** The provider most nodes are expected to run on: the first one used. */
    public ExecutionProvider primary() {
        return used.get(0);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("requested ").append(requested).append(", using ").append(used);
        fallbacks.forEach((provider, reason) ->
                text.append("; ").append(provider).append(" skipped: ").append(reason));
        return text.toString();
    }
}
