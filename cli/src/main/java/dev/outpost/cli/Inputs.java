package dev.outpost.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Finds the input files a command was pointed at: one file, or the images in a folder. */
final class Inputs {

    private static final List<String> IMAGE_EXTENSIONS = List.of(".jpg", ".jpeg", ".png");

    private Inputs() {
    }

    static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    static boolean isNpy(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy");
    }

    /**
     * The images under {@code path} (recursively, sorted by path) or {@code path} itself.
     *
     * @throws CliException when the path does not exist or holds no images
     */
    static List<Path> images(Path path, int limit) {
        if (!Files.exists(path)) {
            throw new CliException("Input " + path + " does not exist; give an image file (.jpg, .png),"
                    + " a folder of images, or a .npy tensor file");
        }
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        try (Stream<Path> files = Files.walk(path)) {
            List<Path> images = files.filter(Files::isRegularFile).filter(Inputs::isImage).sorted()
                    .limit(limit).toList();
            if (images.isEmpty()) {
                throw new CliException("Folder " + path + " holds no .jpg, .jpeg or .png files");
            }
            return images;
        } catch (IOException e) {
            throw new CliException("Cannot list folder " + path + ": " + e.getMessage(), e);
        }
    }

    /** The model file, checked to exist with a message that teaches. */
    static Path model(Path model) {
        if (!Files.isRegularFile(model)) {
            throw new CliException("Model " + model + (Files.isDirectory(model) ? " is a folder" : " does not exist")
                    + "; give the path of an .onnx file");
        }
        return model;
    }
}
