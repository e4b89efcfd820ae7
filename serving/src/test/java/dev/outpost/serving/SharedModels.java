package dev.outpost.serving;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared models folder ({@code -Doutpost.models}); tests that need it are skipped without it. */
final class SharedModels {

    private SharedModels() {
    }

    static Path model(String file) {
        Path dir = Path.of(System.getProperty("outpost.models", "../shared/models"));
        assumeTrue(Files.isDirectory(dir), "no models folder at " + dir + "; set -Doutpost.models");
        Path model = dir.resolve(file);
        assumeTrue(Files.isRegularFile(model), "no " + file + " in " + dir);
        return model;
    }

    static Path data(String relative) {
        Path dir = Path.of(System.getProperty("outpost.data", "../shared/data"));
        assumeTrue(Files.isDirectory(dir), "no data folder at " + dir + "; set -Doutpost.data");
        Path file = dir.resolve(relative);
        assumeTrue(Files.exists(file), "no " + relative + " in " + dir);
        return file;
    }

    /** Copies (links) a model file into {@code repo/name/version/model.onnx}, with optional config lines. */
    static Path install(Path repo, String name, String version, Path modelFile, String... configLines) {
        try {
            Path dir = Files.createDirectories(repo.resolve(name).resolve(version));
            Files.copy(modelFile, dir.resolve(ModelRepository.MODEL_FILE));
            if (configLines.length > 0) {
                Files.writeString(repo.resolve(name).resolve(ModelRepository.CONFIG_FILE),
                        String.join("\n", configLines) + "\n");
            }
            return dir.resolve(ModelRepository.MODEL_FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
