package dev.outpost.serving;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * This process's memory after a full GC, for leak checks in tests: the Java heap in use, the resident
 * set (VmRSS), the part of it outside the Java heap, and direct buffers.
 *
 * <p>Why the resident memory outside the heap: after a full GC, G1 gives freed heap regions back to
 * the OS concurrently (hundreds of MiB can still be resident for a few hundred milliseconds), and
 * how far the heap grew depends on allocation rate and GC timing, so total RSS moves by hundreds of
 * MiB without any leak. The heap is judged by its used size; a native leak (ONNX Runtime tensors,
 * direct buffers, Netty's native pools, malloc) shows in the resident memory outside the heap's
 * address range, which is read from {@code /proc/self/smaps} with the range that the
 * {@code GC.heap_info} diagnostic command reports.
 *
 * @param heap bytes of Java heap in use
 * @param rss VmRSS in bytes; -1 where {@code /proc/self/status} is absent
 * @param nativeRss resident bytes outside the Java heap's address range; -1 where they cannot be read
 * @param direct bytes of direct NIO buffers
 */
record MemoryFigures(long heap, long rss, long nativeRss, long direct) {

    private static final Path SMAPS = Path.of("/proc/self/smaps");
    private static final Pattern HEAP_RANGE = Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)");
    private static final Pattern MAPPING = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) ");

    /** Runs a full GC, then reads the figures. */
    static MemoryFigures afterGc() {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        return new MemoryFigures(heap, ProcessMemory.residentBytes(), residentOutsideHeap(), direct);
    }

    /** Resident bytes of every mapping outside the heap's address range, or -1 when smaps or the range is missing. */
    private static long residentOutsideHeap() {
        if (!Files.isReadable(SMAPS)) {
            return -1;
        }
        try {
            Object info = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcHeapInfo",
                    new Object[] {null}, new String[] {String[].class.getName()});
            Matcher range = HEAP_RANGE.matcher(String.valueOf(info));
            if (!range.find()) {
                return -1;
            }
            long heapStart = Long.parseUnsignedLong(range.group(1), 16);
            long heapEnd = Long.parseUnsignedLong(range.group(2), 16);
            long outside = 0;
            boolean inHeap = false;
            List<String> lines = Files.readAllLines(SMAPS);
            for (String line : lines) {
                Matcher mapping = MAPPING.matcher(line);
                if (mapping.find()) {
                    long start = Long.parseUnsignedLong(mapping.group(1), 16);
                    long end = Long.parseUnsignedLong(mapping.group(2), 16);
                    inHeap = start >= heapStart && end <= heapEnd;
                } else if (line.startsWith("Rss:") && !inHeap) {
                    outside += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return outside;
        } catch (IOException | JMException | NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "heap used " + mib(heap) + ", RSS " + mib(rss) + " (outside the heap " + mib(nativeRss)
                + "), direct buffers " + mib(direct);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format("%.1f MiB", bytes / 1048576.0);
    }
}
