package dev.outpost.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where Outpost finds real models and labeled data: one setting each, from the environment
 * ({@code OUTPOST_MODELS}, {@code OUTPOST_DATA}), defaulting to {@code ../shared/models} and
 * {@code ../shared/data} next to the Outpost checkout ({@code OUTPOST_HOME}, set by the launcher)
 * or, without it, next to the working directory.
 *
 * @param models folder of ONNX models
 * @param data folder of labeled data sets
 */
record Locations(Path models, Path data) {

    /** Resolves the locations from an environment map (the process environment in {@code main}). */
    static Locations fromEnvironment(Map<String, String> env) {
        Path home = setting(env, "OUTPOST_HOME").orElseGet(() -> Path.of("").toAbsolutePath());
        Path models = setting(env, "OUTPOST_MODELS").orElseGet(() -> home.resolve("../shared/models"));
        Path data = setting(env, "OUTPOST_DATA").orElseGet(() -> home.resolve("../shared/data"));
        return new Locations(models.toAbsolutePath().normalize(), data.toAbsolutePath().normalize());
    }

    /** A path from the environment; an empty value counts as unset, as {@code ${VAR:-default}} in the scripts. */
    private static Optional<Path> setting(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Path.of(value));
    }

    boolean hasModels() {
        return Files.isDirectory(models);
    }

    boolean hasData() {
        return Files.isDirectory(data);
    }
}
