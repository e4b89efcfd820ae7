package dev.outpost.optimizer;

import dev.outpost.model.OnnxModel;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes models so that a failure never leaves a broken file at the destination. Stateless. */
final class ModelFiles {

    private ModelFiles() {
    }

    /** Writes to a temporary file beside {@code target}, then moves it into place. */
    static void writeAtomically(OnnxModel model, Path target) {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        Path temp = null;
        try {
            Files.createDirectories(folder);
            temp = Files.createTempFile(folder, "." + absolute.getFileName(), ".partial");
            model.write(temp);
            try {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new OptimizerException(OptimizerException.Code.IO, "Cannot write " + target + ": " + e.getMessage()
                    + " (nothing was written there)", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the move succeeded or the folder is gone; nothing to clean
                }
            }
        }
    }
}
