package dev.outpost.optimizer;

import dev.outpost.model.ModelFormatException;
import dev.outpost.model.OnnxModel;
import dev.outpost.optimizer.OptimizerException.Code;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * What the passes share: reading and writing models with the optimizer's error codes, and the
 * provenance that every pass writes into the output model's {@code metadata_props}, and the
 * temporary-file-then-move discipline the passes share. Keys:
 * <ul>
 *   <li>{@value #PASSES}: the passes applied, oldest first, separated by {@code "; "}, each
 *       {@code name(key=value,...)}, e.g. {@code fp16(keep_io_types=true); prune(sparsity=0.5,scope=per-layer)};
 *       a pass appends its entry;</li>
 *   <li>{@value #SOURCE_SHA256}: the SHA-256 (hex) of the first model of the chain; a pass sets it only
 *       when the input does not carry it already, so it always names the original model;</li>
 *   <li>{@value #VERSION}: the optimizer's version ({@code dev} when not run from a packaged jar).</li>
 * </ul>
 * Stateless and thread-safe.
 */
final class PassSupport {

    /** The metadata key listing the passes applied. */
    static final String PASSES = "outpost.passes";
    /** The metadata key with the SHA-256 of the original model. */
    static final String SOURCE_SHA256 = "outpost.source_sha256";
    /** The metadata key with the optimizer's version. */
    static final String VERSION = "outpost.optimizer_version";

    private PassSupport() {
    }

    /**
     * Reads a model file.
     *
     * @throws OptimizerException IO when the file is missing or unreadable, UNSUPPORTED_MODEL when it is not
     *     a readable ONNX model
     */
    static OnnxModel read(Path source) {
        try {
            return OnnxModel.read(source);
        } catch (ModelFormatException e) {
            Code code = e.code() == ModelFormatException.Code.IO ? Code.IO : Code.UNSUPPORTED_MODEL;
            throw new OptimizerException(code, "Cannot read the model " + source + ": " + e.getMessage(), e);
        }
    }

    /** Writes a model (atomically, by model-format's own temporary file and move). @throws OptimizerException IO */
    static void write(OnnxModel model, Path target) {
        try {
            model.write(target);
        } catch (ModelFormatException e) {
            throw new OptimizerException(Code.IO, "Cannot write the model to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Appends {@code passEntry} to {@value #PASSES} and sets the source digest (if absent) and the version. */
    static void record(OnnxModel model, String sourceSha256, String passEntry) {
        String passes = model.metadata(PASSES).filter(p -> !p.isBlank()).map(p -> p + "; " + passEntry)
                .orElse(passEntry);
        model.putMetadata(PASSES, passes);
        if (model.metadata(SOURCE_SHA256).isEmpty()) {
            model.putMetadata(SOURCE_SHA256, sourceSha256);
        }
        model.putMetadata(VERSION, version());
    }

    /** The optimizer's version from the jar manifest, or {@code dev}. */
    static String version() {
        String version = PassSupport.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    /** The size of a file in bytes. @throws OptimizerException IO */
    static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new OptimizerException(Code.IO, "Cannot read the size of " + file.toAbsolutePath() + ": " + e, e);
        }
    }

    /** SHA-256 of {@code bytes}, lower-case hex. */
    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** SHA-256 of a file, lower-case hex. @throws OptimizerException IO */
    static String sha256(Path file) {
        MessageDigest digest = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new OptimizerException(Code.IO, "Cannot read " + file.toAbsolutePath() + ": " + e, e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * A temporary path beside {@code target} (same folder, so the final move is atomic), hidden and
     * ending in {@code suffix}. The folder must exist.
     *
     * @throws OptimizerException IO when the target's folder does not exist
     */
    static Path temporaryBeside(Path target, String suffix) {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new OptimizerException(Code.IO, "Cannot write " + absolute + ": folder " + folder
                    + " does not exist");
        }
        return folder.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp" + suffix);
    }

    /** Moves {@code temporary} onto {@code target} atomically (replacing it). @throws OptimizerException IO */
    static void moveIntoPlace(Path temporary, Path target) {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new OptimizerException(Code.IO, "Cannot move the output into place at "
                    + target.toAbsolutePath() + ": " + e, e);
        }
    }

    /** Deletes a file if it exists, ignoring failures (cleanup after another error). */
    static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: the original failure is what the caller reports
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
