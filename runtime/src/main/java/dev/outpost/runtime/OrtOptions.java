package dev.outpost.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtProviderOptions;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * Package-private: turns a {@link SessionConfig} into ORT {@link SessionOptions}, registering the
 * requested execution providers with fallback. The caller owns (and closes) the options.
 */
final class OrtOptions {

    /**
     * Options ready for {@code createSession}, what happened to the requested providers, and the
     * provider option objects that {@link SessionOptions#close()} does not close itself.
     */
    record Prepared(SessionOptions options, ProviderReport report, List<OrtProviderOptions> providerOptions)
            implements AutoCloseable {
        /** Closes the options and the provider option objects. Idempotent (ORT's closes are). */
        @Override
        public void close() {
            providerOptions.forEach(OrtProviderOptions::close);
            options.close();
        }
    }

    private OrtOptions() {
    }

    /** The providers this ORT build has, in our terms. */
    static EnumSet<ExecutionProvider> availableProviders() {
        EnumSet<ExecutionProvider> available = EnumSet.noneOf(ExecutionProvider.class);
        for (OrtProvider provider : OrtEnvironment.getAvailableProviders()) {
            ExecutionProvider ours = fromOrt(provider);
            if (ours != null) {
                available.add(ours);
            }
        }
        available.add(ExecutionProvider.CPU);
        return available;
    }

    /**
     * Builds the options. Closes them again when it throws.
     *
     * @throws InferenceException PROVIDER_UNAVAILABLE when a required provider cannot be registered,
     *     INVALID_ARGUMENT when ORT rejects an option
     */
    static Prepared prepare(SessionConfig config) {
        SessionOptions options = new SessionOptions();
        List<OrtProviderOptions> owned = new ArrayList<>();
        try {
            options.setIntraOpNumThreads(config.intraOpThreads());
            options.setInterOpNumThreads(config.interOpThreads());
            options.addConfigEntry(SessionConfig.SPINNING_KEY, config.spinning() ? "1" : "0");
            options.setOptimizationLevel(switch (config.optimizationLevel()) {
                case NONE -> SessionOptions.OptLevel.NO_OPT;
                case BASIC -> SessionOptions.OptLevel.BASIC_OPT;
                case EXTENDED -> SessionOptions.OptLevel.EXTENDED_OPT;
                case LAYOUT -> SessionOptions.OptLevel.LAYOUT_OPT;
                case ALL -> SessionOptions.OptLevel.ALL_OPT;
            });
            options.setExecutionMode(config.executionMode() == SessionConfig.ExecutionMode.PARALLEL
                    ? SessionOptions.ExecutionMode.PARALLEL : SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setMemoryPatternOptimization(config.memoryPattern());
            options.setCPUArenaAllocator(config.cpuArena());
            if (config.optimizedModelPath() != null) {
                options.setOptimizedModelFilePath(config.optimizedModelPath().toAbsolutePath().toString());
            }
            for (var entry : config.configEntries().entrySet()) {
                options.addConfigEntry(entry.getKey(), entry.getValue());
            }
            ProviderReport report = registerProviders(options, config, owned);
            return new Prepared(options, report, owned);
        } catch (OrtException e) {
            owned.forEach(OrtProviderOptions::close);
            options.close();
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT,
                    "ONNX Runtime rejected the session config " + config + ": " + OrtTypes.stripPrefix(e.getMessage()), e);
        } catch (RuntimeException e) {
            owned.forEach(OrtProviderOptions::close);
            options.close();
            throw e;
        }
    }

    private static ProviderReport registerProviders(SessionOptions options, SessionConfig config,
                                                    List<OrtProviderOptions> owned) {
        EnumSet<ExecutionProvider> available = availableProviders();
        List<ExecutionProvider> used = new ArrayList<>();
        Map<ExecutionProvider, String> fallbacks = new EnumMap<>(ExecutionProvider.class);
        for (ExecutionProvider provider : config.providers()) {
            String failure;
            if (!available.contains(provider)) {
                failure = "not in this ONNX Runtime build (it has " + available + ")";
            } else {
                failure = tryAdd(options, provider, config.providerOptions().getOrDefault(provider, Map.of()), owned);
            }
            if (failure == null) {
                used.add(provider);
            } else if (config.requireProviders()) {
                throw new InferenceException(InferenceException.Code.PROVIDER_UNAVAILABLE,
                        "Execution provider " + provider + " is required but unavailable: " + failure
                                + "; set requireProviders(false) to fall back to " + remaining(config, provider));
            } else {
                fallbacks.put(provider, failure);
            }
        }
        used.add(ExecutionProvider.CPU);
        return new ProviderReport(config.providers(), used, fallbacks);
    }

    private static String remaining(SessionConfig config, ExecutionProvider failed) {
        List<ExecutionProvider> rest = new ArrayList<>(config.providers()
                .subList(config.providers().indexOf(failed) + 1, config.providers().size()));
        rest.add(ExecutionProvider.CPU);
        return rest.toString();
    }

    /** Registers one provider; returns null on success, or ORT's reason for refusing it. */
    private static String tryAdd(SessionOptions options, ExecutionProvider provider, Map<String, String> values,
                                 List<OrtProviderOptions> owned) {
        try {
            switch (provider) {
                case CUDA -> {
                    OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions();
                    owned.add(cuda);
                    for (var entry : values.entrySet()) {
                        cuda.add(entry.getKey(), entry.getValue());
                    }
                    options.addCUDA(cuda);
                }
                case TENSORRT -> {
                    OrtTensorRTProviderOptions tensorRt = new OrtTensorRTProviderOptions();
                    owned.add(tensorRt);
                    for (var entry : values.entrySet()) {
                        tensorRt.add(entry.getKey(), entry.getValue());
                    }
                    options.addTensorrt(tensorRt);
                }
                case OPENVINO -> options.addOpenVINO(values.getOrDefault("device_type", "CPU"));
                case DNNL -> options.addDnnl(Boolean.parseBoolean(values.getOrDefault("use_arena", "true")));
                case XNNPACK -> options.addXnnpack(values);
                case COREML -> options.addCoreML(values);
                case NNAPI -> options.addNnapi();
                case QNN -> options.addQnn(values);
                case CPU -> throw new IllegalStateException("CPU is registered implicitly");
            }
            return null;
        } catch (OrtException e) {
            return OrtTypes.stripPrefix(e.getMessage()).strip();
        }
    }

    private static ExecutionProvider fromOrt(OrtProvider provider) {
        return switch (provider) {
            case CPU -> ExecutionProvider.CPU;
            case CUDA -> ExecutionProvider.CUDA;
            case TENSOR_RT -> ExecutionProvider.TENSORRT;
            case OPEN_VINO -> ExecutionProvider.OPENVINO;
            case DNNL -> ExecutionProvider.DNNL;
            case XNNPACK -> ExecutionProvider.XNNPACK;
            case CORE_ML -> ExecutionProvider.COREML;
            case NNAPI -> ExecutionProvider.NNAPI;
            case QNN -> ExecutionProvider.QNN;
            default -> null;
        };
    }
}
