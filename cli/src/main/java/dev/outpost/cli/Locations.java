package dev.outpost.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
        Path home = env.containsKey("OUTPOST_HOME") ? Path.of(env.get("OUTPOST_HOME")) : Path.of("").toAbsolutePath();
        Path models = env.containsKey("OUTPOST_MODELS") ? Path.of(env.get("OUTPOST_MODELS"))
                : home.resolve("../shared/models");
        Path data = env.containsKey("OUTPOST_DATA") ? Path.of(env.get("OUTPOST_DATA"))
                : home.resolve("../shared/data");
        return new Locations(models.toAbsolutePath().normalize(), data.toAbsolutePath().normalize());
    }

    boolean hasModels() {
        return Files.isDirectory(models);
    }

    boolean hasData() {
        return Files.isDirectory(data);
    }
}
