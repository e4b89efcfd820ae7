package dev.outpost.serving;

import java.time.Duration;
import java.util.Objects;

/**
 * Server-wide settings of a {@link ModelManager}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param cores CPU cores to share between model calls (sets intra-op threads; see {@link ModelConfig})
 * @param drainTimeout how long a graceful shutdown waits for queued and running requests
 * @param modelDefaults the model config used where a model has no {@code config.properties} (and under it)
 */
public record ServingConfig(int cores, Duration drainTimeout, ModelConfig modelDefaults) {

    /** Validates: cores >= 1, a non-negative drain timeout. */
    public ServingConfig {
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(modelDefaults, "modelDefaults");
        if (cores < 1) {
            throw new IllegalArgumentException("cores must be >= 1, got " + cores);
        }
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must be >= 0, got " + drainTimeout);
        }
    }

    /** This machine's cores, a 30 s drain, {@link ModelConfig#defaults()}. */
    public static ServingConfig defaults() {
        return new ServingConfig(Runtime.getRuntime().availableProcessors(), Duration.ofSeconds(30),
                ModelConfig.defaults());
    }

    /** This config with another drain timeout. */
    public ServingConfig withDrainTimeout(Duration timeout) {
        return new ServingConfig(cores, timeout, modelDefaults);
    }
}
