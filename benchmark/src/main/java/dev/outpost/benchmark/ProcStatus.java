package dev.outpost.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** Reads fields of Linux's {@code /proc/self/status} (absent on other systems: every field is empty). */
final class ProcStatus {

    static final Path SELF = Path.of("/proc/self/status");

    private final String text;

    ProcStatus(String text) {
        this.text = text;
    }

    /** The current process's status, or an empty one where /proc is not readable. */
    static ProcStatus self() {
        return new ProcStatus(readOrEmpty(SELF));
    }

    static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    /** A field's raw value, trimmed ({@code "VmHWM:   123 kB"} gives {@code "123 kB"}). */
    Optional<String> field(String name) {
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equals(name)) {
                return Optional.of(line.substring(colon + 1).trim());
            }
        }
        return Optional.empty();
    }

    /** A {@code kB} field in bytes, or -1 when absent or malformed. */
    long bytes(String name) {
        return field(name).map(value -> {
            String[] parts = value.split("\\s+");
            try {
                long number = Long.parseLong(parts[0]);
                return parts.length > 1 && parts[1].toLowerCase(Locale.ROOT).equals("kb") ? number * 1024 : number;
            } catch (NumberFormatException e) {
                return -1L;
            }
        }).orElse(-1L);
    }
}
