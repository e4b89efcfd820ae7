package dev.outpost.runtime;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's descriptive metadata as stored in the ONNX file. Pre- and post-processing pipelines are
 * declared in {@link #custom()} ({@code metadata_props}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param producer the producing tool ({@code producer_name}), empty if unset
 * @param graphName the graph's name, empty if unset
 * @param graphDescription the graph's doc string, empty if unset
 * @param domain the model's domain (reverse-DNS), empty if unset
 * @param description the model's doc string, empty if unset
 * @param version the model's version number ({@code model_version}), 0 if unset
 * @param custom the custom key/value metadata ({@code metadata_props})
 */
public record ModelMetadata(String producer, String graphName, String graphDescription, String domain,
                            String description, long version, Map<String, String> custom) {

    /** Null strings become empty; the custom map is copied. */
    public ModelMetadata {
        producer = Objects.requireNonNullElse(producer, "");
        graphName = Objects.requireNonNullElse(graphName, "");
        graphDescription = Objects.requireNonNullElse(graphDescription, "");
        domain = Objects.requireNonNullElse(domain, "");
        description = Objects.requireNonNullElse(description, "");
        custom = Map.copyOf(custom);
    }

    /** One custom metadata value. */
    public Optional<String> custom(String key) {
        return Optional.ofNullable(custom.get(key));
    }
}
