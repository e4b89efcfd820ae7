package dev.outpost.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Finds the shared reference models for this module's tests (the testing module depends on us, so it cannot help). */
final class Fixtures {

    private Fixtures() {
    }

    static Path modelsDir() {
        String property = System.getProperty("outpost.models");
        Path dir = property != null ? Path.of(property) : Path.of("../../shared/models");
        assumeTrue(Files.isDirectory(dir), "no models folder at " + dir.toAbsolutePath() + "; set -Doutpost.models");
        return dir;
    }

    static Path model(String file) {
        Path path = modelsDir().resolve(file);
        assumeTrue(Files.isRegularFile(path), "no model " + path.toAbsolutePath() + "; set -Doutpost.models");
        return path;
    }

    /** Every .onnx file in the shared models folder; empty (tests then skip) when the folder is absent. */
    static Stream<Path> allModels() {
        String property = System.getProperty("outpost.models");
        Path dir = property != null ? Path.of(property) : Path.of("../../shared/models");
        if (!Files.isDirectory(dir)) {
            return Stream.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> models = files.filter(p -> p.toString().endsWith(".onnx")).sorted().toList();
            return models.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
