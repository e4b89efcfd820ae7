package dev.outpost.benchmark;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * The process's memory at one moment. ONNX Runtime allocates outside the Java heap, so the resident set
 * (RSS) is the figure that matters on a device; {@link #nativeBytes()} is the part not backed by the
 * Java heap. Figures that cannot be read (no /proc) are -1.
 *
 * <p>Immutable and thread-safe.
 *
 * @param peakRssBytes the resident set's high-water mark since the process started ({@code VmHWM})
 * @param rssBytes the resident set now ({@code VmRSS})
 * @param heapUsedBytes Java heap in use now
 * @param peakHeapUsedBytes the sum of the heap pools' peak usage since the process started
 * @param heapCommittedBytes Java heap reserved from the OS
 * @param directBytes NIO direct buffers (tensors of the runtime live here)
 * @param nativeBytes an estimate of resident memory outside the Java heap and the JVM's own pools:
 *     {@code rssBytes - heapUsedBytes - nonHeapUsed} (metaspace, code cache), at least 0. It holds ONNX
 *     Runtime's allocations, direct buffers, thread stacks and GC structures; committed but untouched
 *     heap pages are not resident, so this is approximate
 */
public record MemorySnapshot(long peakRssBytes, long rssBytes, long heapUsedBytes, long peakHeapUsedBytes,
        long heapCommittedBytes, long directBytes, long nativeBytes) {

    /** Reads /proc/self/status and the JVM's memory beans now. */
    public static MemorySnapshot capture() {
        return capture(ProcStatus.self());
    }

    static MemorySnapshot capture(ProcStatus status) {
        var memory = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        long rss = status.bytes("VmRSS");
        long nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed();
        long nativeBytes = rss < 0 ? -1 : Math.max(0, rss - memory.getUsed() - nonHeap);
        return new MemorySnapshot(status.bytes("VmHWM"), rss, memory.getUsed(), Math.max(peakHeap, memory.getUsed()),
                memory.getCommitted(), direct, nativeBytes);
    }
}
