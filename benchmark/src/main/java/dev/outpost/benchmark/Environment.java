package dev.outpost.benchmark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Where and how a benchmark ran, so a run can be repeated and two runs compared fairly. Fields that
 * cannot be read on this system are {@code "unknown"} (strings) or -1 (numbers).
 *
 * <p>Immutable and thread-safe.
 *
 * @param cpuModel the CPU's name ({@code model name} in /proc/cpuinfo)
 * @param cpuFlags the ISA extensions that matter for inference, of those the CPU reports (AVX2, FMA,
 *     AVX-512, VNNI, BF16, AMX, NEON/ASIMD, dot product, SVE, I8MM), in /proc/cpuinfo's spelling
 * @param cores processors available to the JVM
 * @param memoryBytes total memory ({@code MemTotal})
 * @param os operating system name, version and architecture
 * @param kernel kernel release ({@code os.version} on Linux)
 * @param jvm Java version, vendor and VM
 * @param ortVersion ONNX Runtime version
 * @param threads intra-op threads of the session (0: ONNX Runtime's default)
 * @param spinning whether ONNX Runtime's idle threads spin
 * @param providers execution providers used, in order
 * @param pinning the CPUs the process may run on ({@code Cpus_allowed_list}), e.g. {@code 0} under {@code taskset -c 0}
 * @param governor the CPU frequency governor of cpu0, where readable
 * @param commandLine the exact command that produced the run
 */
public record Environment(String cpuModel, List<String> cpuFlags, int cores, long memoryBytes, String os,
        String kernel, String jvm, String ortVersion, int threads, boolean spinning, List<String> providers,
        String pinning, String governor, String commandLine) {

    static final String UNKNOWN = "unknown";

    /** Flags reported when present, in this order. */
    static final List<String> INTERESTING_FLAGS = List.of("fma", "avx2", "avx512f", "avx512_vnni", "avx_vnni",
            "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16", "asimd", "asimddp", "sve", "i8mm");

    /** Requires every field; copies the lists. */
    public Environment {
        Objects.requireNonNull(cpuModel, "cpuModel");
        cpuFlags = List.copyOf(cpuFlags);
        providers = List.copyOf(providers);
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(jvm, "jvm");
        Objects.requireNonNull(ortVersion, "ortVersion");
        Objects.requireNonNull(pinning, "pinning");
        Objects.requireNonNull(governor, "governor");
        Objects.requireNonNull(commandLine, "commandLine");
    }

    /**
     * Reads this machine's CPU, memory, OS, JVM, affinity and governor, and records the session settings
     * the caller gives.
     */
    public static Environment capture(String ortVersion, int threads, boolean spinning, List<String> providers,
            String commandLine) {
        return capture(ProcStatus.readOrEmpty(Path.of("/proc/cpuinfo")), ProcStatus.readOrEmpty(Path.of("/proc/meminfo")),
                ProcStatus.self(), ProcStatus.readOrEmpty(Path.of("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")),
                ortVersion, threads, spinning, providers, commandLine);
    }

    static Environment capture(String cpuinfo, String meminfo, ProcStatus status, String governor, String ortVersion,
            int threads, boolean spinning, List<String> providers, String commandLine) {
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch");
        String jvm = "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ", "
                + System.getProperty("java.vm.name") + ")";
        String kernel = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                ? System.getProperty("os.version") : UNKNOWN;
        long memory = new ProcStatus(meminfo).bytes("MemTotal");
        return new Environment(cpuModel(cpuinfo), cpuFlags(cpuinfo), Runtime.getRuntime().availableProcessors(),
                memory, os, kernel, jvm, ortVersion, threads, spinning, providers,
                status.field("Cpus_allowed_list").orElse(UNKNOWN),
                governor.isBlank() ? UNKNOWN : governor.trim(), commandLine);
    }

    /** x86 {@code model name}, else ARM's {@code Hardware}/{@code Model}/{@code CPU part}. */
    static String cpuModel(String cpuinfo) {
        for (String key : List.of("model name", "Hardware", "Model", "CPU part")) {
            for (String line : cpuinfo.split("\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                    String value = line.substring(colon + 1).trim();
                    if (!value.isEmpty()) {
                        return key.equals("CPU part") ? "ARM CPU part " + value : value;
                    }
                }
            }
        }
        return UNKNOWN;
    }

    /** The interesting flags of the first processor's {@code flags} (x86) or {@code Features} (ARM) line. */
    static List<String> cpuFlags(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && Set.of("flags", "Features").contains(line.substring(0, colon).trim())) {
                Set<String> present = Set.of(line.substring(colon + 1).trim().split("\\s+"));
                List<String> flags = new ArrayList<>();
                INTERESTING_FLAGS.stream().filter(present::contains).forEach(flags::add);
                return flags;
            }
        }
        return List.of();
    }
}
