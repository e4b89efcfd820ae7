package dev.outpost.serving;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where models come from: a folder in Triton's layout, or model files named one by one.
 *
 * <pre>
 * DIR/
 *   squeezenet/
 *     config.properties                  optional: scheduling and batching ({@link ModelConfig#KEYS})
 *     pipeline.properties                optional: pipeline for versions without their own side file
 *     1/model.onnx
 *     1/model.pipeline.properties        optional: this version's pipeline (Pipeline.declaredFor)
 *     2/model.onnx
 * </pre>
 * Folders whose name is not a number are not versions and are ignored. A model file given directly
 * ({@code path/mnist.onnx}) is model {@code mnist}, version {@code 1}.
 *
 * <p>Immutable and thread-safe; {@link #scan()} reads the folder again on every call, so models
 * added to it later can be loaded.
 */
public final class ModelRepository {

    /** The file name of a model inside a version folder. */
    public static final String MODEL_FILE = "model.onnx";
    /** The per-model config file. */
    public static final String CONFIG_FILE = "config.properties";
    /** The model-level pipeline side file. */
    public static final String PIPELINE_FILE = "pipeline.properties";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");

    private final Optional<Path> folder;
    private final List<Path> files;

    private ModelRepository(Optional<Path> folder, List<Path> files) {
        this.folder = folder;
        this.files = files;
    }

    /**
     * A repository folder in Triton's layout.
     *
     * @throws ServingException INVALID_REPOSITORY when {@code folder} is not a readable folder
     */
    public static ModelRepository of(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new ServingException(ServingException.Code.INVALID_REPOSITORY, "Model repository " + folder
                    + " is not a folder; expected DIR/<model>/<version>/" + MODEL_FILE);
        }
        return new ModelRepository(Optional.of(folder), List.of());
    }

    /**
     * Model files named one by one; each is model {@code <file name without .onnx>}, version 1.
     *
     * @throws ServingException INVALID_REPOSITORY when a file is missing, or two files give the same name
     */
    public static ModelRepository ofFiles(List<Path> modelFiles) {
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path file : modelFiles) {
            if (!Files.isRegularFile(file)) {
                throw new ServingException(ServingException.Code.INVALID_REPOSITORY, "Model file " + file
                        + " does not exist or is not a file");
            }
            String name = nameOf(file);
            Path previous = byName.putIfAbsent(name, file);
            if (previous != null) {
                throw new ServingException(ServingException.Code.INVALID_REPOSITORY, "Model files " + previous + " and "
                        + file + " both give the model name '" + name + "'; serve them from a repository folder instead");
            }
        }
        return new ModelRepository(Optional.empty(), List.copyOf(modelFiles));
    }

    /** The repository folder, when this is one. */
    public Optional<Path> folder() {
        return folder;
    }

    /**
     * Every model version found now, by model name, then version number.
     *
     * @throws ServingException INVALID_REPOSITORY when the folder cannot be listed
     */
    public List<ModelSource> scan() {
        if (folder.isEmpty()) {
            return files.stream().map(file -> new ModelSource(nameOf(file), "1", file, Optional.empty(),
                    Optional.empty())).toList();
        }
        List<ModelSource> sources = new ArrayList<>();
        for (Path modelFolder : list(folder.get())) {
            String name = modelFolder.getFileName().toString();
            if (!Files.isDirectory(modelFolder) || !NAME.matcher(name).matches()) {
                continue;
            }
            Optional<Path> config = regular(modelFolder.resolve(CONFIG_FILE));
            Optional<Path> pipeline = regular(modelFolder.resolve(PIPELINE_FILE))
                    .or(() -> regular(modelFolder.resolve(name + ".pipeline.properties")));
            list(modelFolder).stream()
                    .filter(Files::isDirectory)
                    .filter(dir -> VERSION.matcher(dir.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(dir -> Long.parseLong(dir.getFileName().toString())))
                    .forEach(dir -> sources.add(new ModelSource(name, String.valueOf(Long.parseLong(dir.getFileName()
                            .toString())), dir.resolve(MODEL_FILE), pipeline, config)));
        }
        return List.copyOf(sources);
    }

    /** The versions of one model found now, lowest first. */
    public List<ModelSource> scan(String model) {
        return scan().stream().filter(source -> source.name().equals(model)).toList();
    }

    private static Optional<Path> regular(Path file) {
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        } catch (IOException e) {
            throw new ServingException(ServingException.Code.INVALID_REPOSITORY, "Cannot list " + dir + ": " + e, e);
        }
    }

    private static String nameOf(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
    }

    @Override
    public String toString() {
        return "ModelRepository[" + folder.map(Path::toString).orElse(files.toString()) + "]";
    }
}
