package dev.outpost.runtime;

import java.util.Arrays;
import java.util.Locale;

/**
 * An ONNX Runtime execution provider: the backend that runs a model's nodes. {@link #CPU} is always
 * available and always registered last, so nodes no other provider takes run on the CPU.
 *
 * <p>Immutable and thread-safe.
 */
public enum ExecutionProvider {
    /** The default CPU provider, present in every build. */
    CPU,
    /** NVIDIA CUDA (needs the GPU build of ONNX Runtime and CUDA libraries). */
    CUDA,
    /** NVIDIA TensorRT (needs the GPU build of ONNX Runtime and TensorRT libraries). */
    TENSORRT,
    /** Intel OpenVINO (needs a custom ONNX Runtime build). */
    OPENVINO,
    /** Intel oneDNN (needs a custom ONNX Runtime build). */
    DNNL,
    /** XNNPACK, for ARM and x86 CPUs (needs a build with XNNPACK). */
    XNNPACK,
    /** Apple Core ML (macOS and iOS builds). */
    COREML,
    /** Android Neural Networks API (Android builds). */
    NNAPI,
    /** Qualcomm AI Engine Direct (QNN builds). */
    QNN;

    /**
     * Parses a provider name as users write it ({@code cuda}, {@code TensorRT}, {@code open-vino}),
     * ignoring case, dashes and underscores.
     *
     * @throws IllegalArgumentException naming the valid choices
     */
    public static ExecutionProvider parse(String name) {
        String wanted = name.trim().toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
        for (ExecutionProvider provider : values()) {
            if (provider.name().equals(wanted)) {
                return provider;
            }
        }
        throw new IllegalArgumentException("Unknown execution provider '" + name + "'; expected one of "
                + Arrays.toString(values()));
    }
}
