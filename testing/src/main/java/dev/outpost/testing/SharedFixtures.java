package dev.outpost.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the shared reference models and data for tests. The folders come from the system
 * properties {@code outpost.models} / {@code outpost.data} (surefire sets them), else the
 * environment variables {@code OUTPOST_MODELS} / {@code OUTPOST_DATA}, else {@code ../shared/models}
 * and {@code ../shared/data} relative to the working directory or its parent. A test that needs an
 * absent file is skipped (JUnit assumption) with a reason that says where it looked.
 *
 * <p>Stateless and thread-safe.
 */
public final class SharedFixtures {

    private SharedFixtures() {
    }

    /** The models folder, if one was found. */
    public static Optional<Path> modelsDir() {
        return locate("outpost.models", "OUTPOST_MODELS", "models");
    }

    /** The data folder, if one was found. */
    public static Optional<Path> dataDir() {
        return locate("outpost.data", "OUTPOST_DATA", "data");
    }

    /** A model file; skips the calling test when it is absent. */
    public static Path model(String file) {
        return require(modelsDir(), file, "outpost.models", "OUTPOST_MODELS");
    }

    /** A file or folder under the data folder; skips the calling test when it is absent. */
    public static Path data(String relativePath) {
        return require(dataDir(), relativePath, "outpost.data", "OUTPOST_DATA");
    }

    private static Path require(Optional<Path> dir, String file, String property, String variable) {
        assumeTrue(dir.isPresent(), "no shared folder found via -D" + property + ", $" + variable
                + " or ../shared relative to " + Path.of("").toAbsolutePath() + "; skipping");
        Path path = dir.get().resolve(file);
        assumeTrue(Files.exists(path), "no " + file + " in " + dir.get().toAbsolutePath() + " (set -D" + property + ")");
        return path;
    }

    private static Optional<Path> locate(String property, String variable, String folder) {
        List<Path> candidates = new ArrayList<>();
        String fromProperty = System.getProperty(property);
        if (fromProperty != null && !fromProperty.isBlank()) {
            candidates.add(Path.of(fromProperty));
        } else {
            String fromEnv = System.getenv(variable);
            if (fromEnv != null && !fromEnv.isBlank()) {
                candidates.add(Path.of(fromEnv));
            } else {
                Path here = Path.of("").toAbsolutePath();
                candidates.add(here.resolve("../shared").resolve(folder).normalize());
                if (here.getParent() != null) {
                    candidates.add(here.getParent().resolve("../shared").resolve(folder).normalize());
                }
            }
        }
        return candidates.stream().filter(Files::isDirectory).findFirst();
    }
}
