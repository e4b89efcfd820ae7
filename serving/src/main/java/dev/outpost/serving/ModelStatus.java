package dev.outpost.serving;

import dev.outpost.runtime.TensorSpec;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link ModelManager} knows about one model version.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the model name
 * @param version the version
 * @param state where it is in its lifecycle
 * @param reason why it failed to load (empty unless FAILED)
 * @param loadTime how long its last load took (zero when never loaded)
 * @param inputs the model's inputs (empty unless READY)
 * @param outputs the model's tensor outputs (empty unless READY)
 * @param batching true when dynamic batching is on for it
 * @param pipeline what its pipeline does ("classification", "detection", "tensors"), or why it has none
 */
public record ModelStatus(String name, String version, ModelState state, String reason, Duration loadTime,
                          List<TensorSpec> inputs, List<TensorSpec> outputs, boolean batching, String pipeline) {

    /** Validates non-null components. */
    public ModelStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(loadTime, "loadTime");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        Objects.requireNonNull(pipeline, "pipeline");
    }

    /** True when the version takes requests. */
    public boolean ready() {
        return state == ModelState.READY;
    }
}
