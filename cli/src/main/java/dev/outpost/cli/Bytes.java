package dev.outpost.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Human-readable byte counts. */
final class Bytes {

    private Bytes() {
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private static final java.util.regex.Pattern SIZE =
            java.util.regex.Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

    /**
     * Parses a size such as {@code 64MiB}, {@code 512k} or {@code 1048576}. Units are binary (k = KiB =
     * 1024 bytes, also written kb); no unit means bytes.
     *
     * @throws CliException naming the option and the expected form when the text is not a size or overflows
     */
    static long parse(String option, String text) {
        java.util.regex.Matcher matcher = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new CliException(option + " is '" + text + "'; expected a whole number of bytes with an optional"
                    + " unit B, KiB, MiB or GiB (K, M, G also work), e.g. 64MiB");
        }
        String unit = matcher.group(2) == null ? "b" : matcher.group(2);
        int shift = switch (unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        try {
            return Math.multiplyExact(Long.parseLong(matcher.group(1)), 1L << shift);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new CliException(option + " is '" + text + "'; that is too large a size");
        }
    }

    static String human(Path file) {
        try {
            return human(Files.size(file));
        } catch (IOException e) {
            return "size unknown";
        }
    }
}
