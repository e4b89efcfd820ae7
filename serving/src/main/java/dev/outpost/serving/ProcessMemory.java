package dev.outpost.serving;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the process's resident memory from {@code /proc/self/status} and {@code /proc/self/smaps} (Linux). Stateless. */
final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** VmRSS in bytes, or -1 where {@code /proc/self/status} does not exist or has no VmRSS line. */
    static long residentBytes() {
        return field(statusLines(), "VmRSS");
    }

    /**
     * Resident memory outside the Java heap that no file backs, in bytes: the resident part of every
     * anonymous mapping in {@code /proc/self/smaps} except those of the Java heap. That is ONNX
     * Runtime's arenas and weights, direct buffers, thread stacks, malloc, JVM metaspace and code.
     * -1 where smaps is unreadable or the heap's mappings cannot be told apart.
     */
    static long nativeBytes() {
        Path smaps = Path.of("/proc/self/smaps");
        if (!Files.isReadable(smaps)) {
            return -1;
        }
        try {
            return nativeBytes(Files.readAllLines(smaps), reservedHeapBytes());
        } catch (IOException e) {
            return -1;
        }
    }

    /** The maximum heap the JVM reserved at start (HotSpot's MaxHeapSize; {@link Runtime#maxMemory()} elsewhere). */
    private static long reservedHeapBytes() {
        try {
            return Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxHeapSize").getValue());
        } catch (RuntimeException e) {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /**
     * {@link #nativeBytes()} from smaps lines. The Java heap is the run of adjacent mappings, starting at
     * an anonymous one, whose span is exactly {@code maxHeap}: the JVM reserves the whole maximum heap
     * at start, in one range, and commits parts of it as separate mappings (a CDS archive may be mapped
     * inside it too). -1 where no such run exists.
     */
    static long nativeBytes(List<String> smaps, long maxHeap) {
        List<long[]> mappings = new ArrayList<>(); // start, end, resident bytes, 1 if anonymous
        long[] current = null;
        for (String line : smaps) {
            int dash = line.indexOf('-');
            if (dash > 0 && line.indexOf(' ') > dash && Character.digit(line.charAt(0), 16) >= 0) {
                String[] fields = line.trim().split("\\s+");
                boolean anonymous = (fields.length < 5 || "0".equals(fields[4]))
                        && (fields.length < 6 || fields[5].startsWith("["));
                try {
                    current = new long[] {Long.parseUnsignedLong(fields[0].substring(0, dash), 16),
                            Long.parseUnsignedLong(fields[0].substring(dash + 1), 16), 0, anonymous ? 1 : 0};
                } catch (NumberFormatException e) {
                    return -1;
                }
                mappings.add(current);
            } else if (current != null && line.startsWith("Rss:")) {
                current[2] = Math.max(0, field(List.of(line), "Rss"));
            }
        }
        for (int first = 0; first < mappings.size(); first++) {
            if (mappings.get(first)[3] == 0) {
                continue;
            }
            int last = first;
            while (last + 1 < mappings.size() && mappings.get(last + 1)[0] == mappings.get(last)[1]
                    && mappings.get(last)[1] - mappings.get(first)[0] < maxHeap) {
                last++;
            }
            if (mappings.get(last)[1] - mappings.get(first)[0] == maxHeap) {
                long outside = 0;
                for (int i = 0; i < mappings.size(); i++) {
                    if ((i < first || i > last) && mappings.get(i)[3] == 1) {
                        outside += mappings.get(i)[2];
                    }
                }
                return outside;
            }
        }
        return -1;
    }

    /** The value of {@code name} in {@code /proc/self/status} lines, in bytes where given in kB; -1 if absent or unreadable. */
    static long field(List<String> lines, String name) {
        String prefix = name + ":";
        for (String line : lines) {
            if (line.startsWith(prefix)) {
                String[] parts = line.substring(prefix.length()).trim().split("\\s+");
                try {
                    long value = Long.parseLong(parts[0]);
                    return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static List<String> statusLines() {
        if (!Files.isReadable(STATUS)) {
            return List.of();
        }
        try {
            return Files.readAllLines(STATUS);
        } catch (IOException e) {
            return List.of();
        }
    }
}
