package dev.outpost.optimizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The integer dot-product instructions of the CPU that will run a quantized model, which decide the
 * safe 8-bit types (REFERENCE-INFERENCE.md 1.3 and 2.2): with VNNI (x86 AVX512-VNNI / AVX-VNNI) or on
 * ARM, uint8 activations with int8 weights (U8S8) are exact; on x86 without VNNI ONNX Runtime's U8S8
 * kernels use {@code VPMADDUBSW}, whose 16-bit sums saturate, so weights need 7 bits (reduce-range)
 * or the model loses accuracy (ResNet-50 74.8 % to 69.0 % on AMD Zen 3).
 */
public enum TargetIsa {
    /** x86 with AVX512-VNNI or AVX-VNNI. */
    X86_VNNI,
    /** x86 with AVX2 or AVX-512 but no VNNI: 16-bit saturation in U8S8 kernels. */
    X86_NO_VNNI,
    /** ARM (NEON / dot product): no saturation issue. */
    ARM;

    /** The CPU this process runs on, from /proc/cpuinfo (ARM when the architecture is aarch64). */
    public static TargetIsa detect() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.contains("aarch64") || arch.contains("arm")) {
            return ARM;
        }
        try {
            return fromCpuFlags(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return X86_NO_VNNI;
        }
    }

    /** The target for the flags line(s) of a /proc/cpuinfo text. */
    static TargetIsa fromCpuFlags(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                Set<String> flags = Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                return flags.contains("avx512_vnni") || flags.contains("avx_vnni") ? X86_VNNI : X86_NO_VNNI;
            }
        }
        return X86_NO_VNNI;
    }

    /** Parses {@code auto}, {@code vnni}, {@code avx2} (x86 without VNNI) or {@code arm}. */
    public static TargetIsa parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "auto", "host" -> detect();
            case "vnni", "x86-vnni", "avx512-vnni" -> X86_VNNI;
            case "avx2", "x86", "x86-no-vnni", "avx512" -> X86_NO_VNNI;
            case "arm", "aarch64", "arm64" -> ARM;
            default -> throw new OptimizerException(OptimizerException.Code.INVALID_OPTION, "Unknown target '" + name
                    + "'; expected auto, vnni, avx2 or arm");
        };
    }

    /** Whether weights should default to 7 bits on this target. */
    public boolean needsReducedRange() {
        return this == X86_NO_VNNI;
    }

    /** One sentence on the choice this target implies. */
    public String reason() {
        return switch (this) {
            case X86_VNNI -> "the target has VNNI, so U8S8 kernels do not saturate: full 8-bit weights";
            case X86_NO_VNNI -> "the target is x86 without VNNI, where U8S8 kernels (VPMADDUBSW) saturate 16-bit"
                    + " sums: 7-bit weights (reduce-range) avoid the accuracy collapse";
            case ARM -> "the target is ARM, whose dot-product kernels do not saturate: full 8-bit weights";
        };
    }

    @Override
    public String toString() {
        return switch (this) {
            case X86_VNNI -> "x86 with VNNI";
            case X86_NO_VNNI -> "x86 without VNNI";
            case ARM -> "ARM";
        };
    }
}
