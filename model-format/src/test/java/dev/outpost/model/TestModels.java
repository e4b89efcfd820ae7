package dev.outpost.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.model.proto.Onnx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shared real models (skipped with a reason when absent), loaded as protobuf. */
final class TestModels {

    private TestModels() {
    }

    static Path folder() {
        Path dir = Path.of(System.getProperty("outpost.models", "../shared/models"));
        assumeTrue(Files.isDirectory(dir), "no models folder at " + dir + "; set -Doutpost.models");
        return dir;
    }

    static Path path(String fileName) {
        Path file = folder().resolve(fileName);
        assumeTrue(Files.isRegularFile(file), "model " + file + " is absent");
        return file;
    }

    static Onnx.ModelProto load(String fileName) {
        try {
            return Onnx.ModelProto.parseFrom(Files.readAllBytes(path(fileName)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file names of every .onnx model in the shared folder, sorted. */
    static List<String> all() {
        Path dir = Path.of(System.getProperty("outpost.models", "../shared/models"));
        if (!Files.isDirectory(dir)) {
            return List.of("(no models folder at " + dir + ")");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".onnx")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model with every value_info entry removed, so inference cannot lean on it. */
    static Onnx.ModelProto stripped(Onnx.ModelProto model) {
        return model.toBuilder().setGraph(model.getGraph().toBuilder().clearValueInfo()).build();
    }
}
