package dev.outpost.benchmark;

import java.lang.management.ManagementFactory;

/**
 * CPU time the process used over a stretch of wall time: {@code utilization = cpu / (wall * cores)},
 * 1.0 meaning every core available to the JVM was busy the whole time.
 *
 * <p>Immutable and thread-safe.
 *
 * @param cpuNanos process CPU time (user + system, all threads); -1 where the JVM does not report it
 * @param wallNanos elapsed wall time
 * @param cores processors available to the JVM
 */
public record CpuUsage(long cpuNanos, long wallNanos, int cores) {

    /** The fraction of the available cores used, 0..1 (may exceed 1 slightly by timer granularity); NaN if unknown. */
    public double utilization() {
        return cpuNanos < 0 || wallNanos <= 0 ? Double.NaN : (double) cpuNanos / wallNanos / cores;
    }

    /** Process CPU time now in nanoseconds, or -1 where the JVM does not report it. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** Starts measuring; {@link Stopwatch#stop()} gives the usage since. */
    static Stopwatch start() {
        return new Stopwatch(processCpuNanos(), System.nanoTime());
    }

    /** A started CPU measurement. */
    record Stopwatch(long cpuStart, long wallStart) {
        CpuUsage stop() {
            long cpu = processCpuNanos();
            return new CpuUsage(cpu < 0 || cpuStart < 0 ? -1 : cpu - cpuStart, System.nanoTime() - wallStart,
                    Runtime.getRuntime().availableProcessors());
        }
    }
}
