package dev.outpost.serving;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One model version found by a {@link ModelRepository}: where its files are. Nothing is read until
 * the version is loaded, so a broken file makes that version fail to load (with the reason), not
 * the scan.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the model name (the repository folder, or the file name without {@code .onnx})
 * @param version the version (the numbered folder, or {@code 1} for a model file given directly)
 * @param modelFile the ONNX file
 * @param pipelineFile a model-level pipeline side file used when none sits beside the model file
 * @param configFile the model's {@code config.properties}, if any
 */
public record ModelSource(String name, String version, Path modelFile, Optional<Path> pipelineFile,
                          Optional<Path> configFile) {

    /** Validates non-null components and a non-blank name and version. */
    public ModelSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(pipelineFile, "pipelineFile");
        Objects.requireNonNull(configFile, "configFile");
        if (name.isBlank() || version.isBlank()) {
            throw new IllegalArgumentException("Model name and version must not be blank; got '" + name + "' version '"
                    + version + "'");
        }
    }
}
