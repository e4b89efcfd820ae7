package dev.outpost.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Pipeline declarations for well-known public models, shipped in the runtime jar, so that such a
 * model runs with no side file and no metadata. An entry is found by the SHA-256 of the model file's
 * contents, not by its name: a renamed copy is still recognized, and a different file that happens
 * to carry a catalog name is not.
 *
 * <p>Each entry is a side file in the {@code catalog/} resource folder next to this class, listed in
 * its {@code index.txt}. Besides the pipeline keys of {@link PipelineSpec} it holds catalog-only keys,
 * removed before the pipeline keys are parsed:
 * <pre>
 * catalog.sha256       SHA-256 of the model file (64 lower-case hex digits; required)
 * catalog.description  one line saying what the model is (required)
 * catalog.labels       a file in catalog/labels/ (one label per line, or synset.txt lines)
 * </pre>
 * Labels come as a list ({@link CatalogEntry#labels()}), because a jar gives no file path for them;
 * pass them to {@link Pipeline#create(ModelSession, PipelineSpec, Optional)} or use
 * {@link Pipeline#declaredFor}, which does so.
 *
 * <p>Thread-safe. The catalog is read once, on first use; a malformed entry is a build defect and
 * fails that first use with an {@link InferenceException} (code PIPELINE) naming the entry.
 */
public final class PipelineCatalog {

    private static final String FOLDER = "catalog/";
    private static final String CATALOG_PREFIX = "catalog.";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /**
     * One catalog entry.
     *
     * <p>Immutable and thread-safe.
     *
     * @param modelFile the file name the model is published under (e.g. {@code squeezenet1.0-fp32.onnx});
     *     informative only, lookups match {@code sha256}
     * @param sha256 SHA-256 of the model file's contents, 64 lower-case hex digits
     * @param spec the pipeline declaration; its labels paths are empty (the labels are in {@code labels})
     * @param labels the class labels in output order; empty when the entry has none
     * @param description one line saying what the model is
     */
    public record CatalogEntry(String modelFile, String sha256, PipelineSpec spec, List<String> labels,
            String description) {

        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public CatalogEntry {
            Objects.requireNonNull(modelFile, "modelFile");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(description, "description");
            if (!SHA256.matcher(sha256).matches()) {
                throw new IllegalArgumentException("sha256 of " + modelFile + " is '" + sha256
                        + "'; expected 64 lower-case hex digits");
            }
            labels = List.copyOf(labels);
        }
    }

    private PipelineCatalog() {
    }

    /** Every entry, in the order of the catalog index. */
    public static List<CatalogEntry> entries() {
        return loaded();
    }

    /**
     * The entry for a model file, matched by the SHA-256 of its contents (read streaming).
     *
     * @throws InferenceException MODEL_NOT_FOUND when the file cannot be read
     */
    public static Optional<CatalogEntry> find(Path modelFile) {
        return findBySha256(sha256(modelFile));
    }

    /** The entry whose model has this SHA-256 (lower-case hex). */
    static Optional<CatalogEntry> findBySha256(String sha256) {
        return loaded().stream().filter(entry -> entry.sha256().equals(sha256)).findFirst();
    }

    /** SHA-256 of a file's contents as lower-case hex, read in blocks. */
    static String sha256(Path file) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
        byte[] block = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int read = in.read(block); read >= 0; read = in.read(block)) {
                digest.update(block, 0, read);
            }
        } catch (IOException e) {
            throw new InferenceException(InferenceException.Code.MODEL_NOT_FOUND,
                    "Cannot read model file " + file + " to look it up in the pipeline catalog: " + e, e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The entries, read on first use (a failed read is retried, so every caller sees its error). */
    private static volatile List<CatalogEntry> loaded;

    private static List<CatalogEntry> loaded() {
        List<CatalogEntry> entries = loaded;
        if (entries == null) {
            synchronized (PipelineCatalog.class) {
                if (loaded == null) {
                    loaded = load();
                }
                entries = loaded;
            }
        }
        return entries;
    }

    private static List<CatalogEntry> load() {
        List<CatalogEntry> entries = new ArrayList<>();
        for (String line : resourceLines("index.txt")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                entries.add(parseEntry(name, String.join("\n", resourceLines(name))));
            }
        }
        return List.copyOf(entries);
    }

    /** Parses one entry file: catalog keys first, then the pipeline keys without them. */
    static CatalogEntry parseEntry(String entryName, String text) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw broken(entryName, "cannot be read: " + e.getMessage(), e);
        }
        Map<String, String> pipelineKeys = new LinkedHashMap<>();
        Map<String, String> catalogKeys = new LinkedHashMap<>();
        for (String key : properties.stringPropertyNames()) {
            (key.startsWith(CATALOG_PREFIX) ? catalogKeys : pipelineKeys).put(key, properties.getProperty(key).strip());
        }
        String sha256 = required(entryName, catalogKeys, "catalog.sha256");
        String description = required(entryName, catalogKeys, "catalog.description");
        Optional<String> labelsFile = Optional.ofNullable(catalogKeys.remove("catalog.labels"));
        if (!catalogKeys.isEmpty()) {
            throw broken(entryName, "has unknown catalog keys " + catalogKeys.keySet()
                    + "; expected catalog.sha256, catalog.description, catalog.labels", null);
        }
        List<String> labels = labelsFile
                .map(file -> Labels.parse(resourceLines("labels/" + file), FOLDER + "labels/" + file))
                .orElse(List.of());
        String modelFile = entryName.endsWith(PipelineSpec.SIDE_FILE_SUFFIX)
                ? entryName.substring(0, entryName.length() - PipelineSpec.SIDE_FILE_SUFFIX.length()) + ".onnx"
                : entryName;
        try {
            PipelineSpec spec = PipelineSpecCodec.parse(
                    new PipelineProperties(pipelineKeys, "", FOLDER + entryName), null);
            return new CatalogEntry(modelFile, sha256, spec, labels, description);
        } catch (IllegalArgumentException e) {
            throw broken(entryName, e.getMessage(), e);
        }
    }

    private static String required(String entryName, Map<String, String> catalogKeys, String key) {
        String value = catalogKeys.remove(key);
        if (value == null || value.isEmpty()) {
            throw broken(entryName, "has no " + key, null);
        }
        return value;
    }

    private static List<String> resourceLines(String name) {
        try (InputStream in = PipelineCatalog.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) {
                throw broken(name, "is missing from the runtime jar", null);
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                return reader.lines().toList();
            }
        } catch (IOException | UncheckedIOException e) {
            throw broken(name, "cannot be read: " + e, e);
        }
    }

    private static InferenceException broken(String name, String problem, Throwable cause) {
        return new InferenceException(InferenceException.Code.PIPELINE,
                "Pipeline catalog entry " + FOLDER + name + " " + problem, cause);
    }
}
