package dev.outpost.runtime;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link ModelSession} is opened: threads, graph optimization, execution providers and memory
 * options. Immutable and thread-safe; build one with {@link #builder()} or take {@link #defaults()}.
 *
 * <p>Defaults, chosen for edge devices that serve sporadic requests:
 * <ul>
 *   <li>{@code intraOpThreads = 0}: ONNX Runtime's choice, one thread per physical core;</li>
 *   <li>{@code interOpThreads = 0}: ONNX Runtime's choice (only used in {@link ExecutionMode#PARALLEL});</li>
 *   <li>{@code spinning = false}: idle pool threads sleep instead of burning a core between requests
 *       (ONNX Runtime's own default is to spin);</li>
 *   <li>{@code optimizationLevel = ALL}; {@code executionMode = SEQUENTIAL};</li>
 *   <li>no extra providers (CPU only), {@code requireProviders = false};</li>
 *   <li>{@code memoryPattern = true}, {@code cpuArena = true}; no optimized-model output; no config entries.</li>
 * </ul>
 *
 * @param intraOpThreads threads used inside one operator, 0 for ONNX Runtime's default; 0..{@value #MAX_THREADS}
 * @param interOpThreads threads running independent operators in parallel mode, 0 for the default; 0..{@value #MAX_THREADS}
 * @param spinning whether idle intra-op threads spin (lower latency, burns CPU)
 * @param optimizationLevel graph optimizations applied when the session is created
 * @param executionMode sequential or parallel execution of independent operators
 * @param providers execution providers in order of preference, without {@link ExecutionProvider#CPU}
 *     (which is always registered last); no duplicates
 * @param providerOptions string options per provider (e.g. CUDA {@code device_id}, OpenVINO {@code device_type})
 * @param requireProviders true: a provider that cannot be registered fails the open with
 *     {@link InferenceException.Code#PROVIDER_UNAVAILABLE}; false: it is skipped and the reason reported
 *     in {@link ModelSession#providers()}
 * @param memoryPattern ONNX Runtime's memory-pattern optimization (pre-plans buffers for fixed shapes)
 * @param cpuArena whether the CPU allocator uses an arena (faster; keeps freed memory for reuse)
 * @param optimizedModelPath where ONNX Runtime writes the optimized graph when the session is created
 *     ({@code .ort} suffix: ORT format), or null for none
 * @param configEntries free-form session config entries; every key starts with {@code session.}
 */
public record SessionConfig(
        int intraOpThreads,
        int interOpThreads,
        boolean spinning,
        OptimizationLevel optimizationLevel,
        ExecutionMode executionMode,
        List<ExecutionProvider> providers,
        Map<ExecutionProvider, Map<String, String>> providerOptions,
        boolean requireProviders,
        boolean memoryPattern,
        boolean cpuArena,
        Path optimizedModelPath,
        Map<String, String> configEntries) {

    /** The largest thread count accepted for either pool. */
    public static final int MAX_THREADS = 1024;

    /** The config entry ONNX Runtime reads for {@link #spinning()}; set it through {@code spinning}. */
    static final String SPINNING_KEY = "session.intra_op.allow_spinning";

    /** Graph optimization levels, from none to all (ONNX Runtime's {@code GraphOptimizationLevel}). */
    public enum OptimizationLevel {
        /** No graph optimization. */
        NONE,
        /** Semantics-preserving rewrites: constant folding, redundant node removal. */
        BASIC,
        /** BASIC plus fusions of nodes into ONNX Runtime's contrib operators (portable across CPUs). */
        EXTENDED,
        /** EXTENDED plus layout optimizations (e.g. NCHWc), which make a saved model CPU-specific. */
        LAYOUT,
        /** Everything ONNX Runtime has. */
        ALL
    }

    /** Whether independent operators of the graph may run at the same time. */
    public enum ExecutionMode {
        /** One operator after another (best for small models and single requests). */
        SEQUENTIAL,
        /** Independent branches in parallel on the inter-op pool. */
        PARALLEL
    }

    /** Validates every field; see the record components for the valid ranges. */
    public SessionConfig {
        requireRange("intraOpThreads", intraOpThreads);
        requireRange("interOpThreads", interOpThreads);
        Objects.requireNonNull(optimizationLevel, "optimizationLevel");
        Objects.requireNonNull(executionMode, "executionMode");
        providers = checkProviders(providers);
        providerOptions = checkProviderOptions(providers, providerOptions);
        var entries = new LinkedHashMap<String, String>();
        configEntries.forEach((key, value) -> {
            checkEntry(key, value);
            entries.put(key, value);
        });
        configEntries = java.util.Collections.unmodifiableMap(entries);
    }

    /** The defaults listed in the type's Javadoc. */
    public static SessionConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config's values. */
    public Builder toBuilder() {
        Builder builder = new Builder()
                .intraOpThreads(intraOpThreads).interOpThreads(interOpThreads).spinning(spinning)
                .optimizationLevel(optimizationLevel).executionMode(executionMode)
                .providers(providers).requireProviders(requireProviders)
                .memoryPattern(memoryPattern).cpuArena(cpuArena);
        providerOptions.forEach(builder::providerOptions);
        configEntries.forEach(builder::configEntry);
        return optimizedModelPath == null ? builder : builder.optimizedModelPath(optimizedModelPath);
    }

    /** The optimized-model output path, if one is set. */
    public Optional<Path> optimizedModelOutput() {
        return Optional.ofNullable(optimizedModelPath);
    }

    private static List<ExecutionProvider> checkProviders(List<ExecutionProvider> providers) {
        List<ExecutionProvider> copy = List.copyOf(providers);
        var seen = new HashSet<ExecutionProvider>();
        for (ExecutionProvider provider : copy) {
            if (provider == ExecutionProvider.CPU) {
                throw new IllegalArgumentException("providers " + copy + " contain CPU; CPU is always"
                        + " registered last on its own, list only the accelerators to try before it");
            }
            if (!seen.add(provider)) {
                throw new IllegalArgumentException("providers " + copy + " name " + provider + " twice");
            }
        }
        return copy;
    }

    private static Map<ExecutionProvider, Map<String, String>> checkProviderOptions(
            List<ExecutionProvider> providers, Map<ExecutionProvider, Map<String, String>> providerOptions) {
        var options = new EnumMap<ExecutionProvider, Map<String, String>>(ExecutionProvider.class);
        providerOptions.forEach((provider, values) -> {
            if (!providers.contains(provider)) {
                throw new IllegalArgumentException("providerOptions for " + provider + " but " + provider
                        + " is not among the providers " + providers);
            }
            values.forEach((key, value) -> requireText("providerOptions key of " + provider, key, value));
            options.put(provider, Map.copyOf(values));
        });
        return Map.copyOf(options);
    }

    private static void checkEntry(String key, String value) {
        requireText("config entry key", key, value);
        if (!key.startsWith("session.")) {
            throw new IllegalArgumentException("config entry key '" + key
                    + "' is not a session config key; expected a key starting with 'session.'");
        }
        if (key.equals(SPINNING_KEY)) {
            throw new IllegalArgumentException("config entry '" + SPINNING_KEY
                    + "' is set through spinning(boolean), not as a free-form entry");
        }
    }

    private static void requireRange(String name, int value) {
        if (value < 0 || value > MAX_THREADS) {
            throw new IllegalArgumentException(name + " is " + value + "; expected 0 (ONNX Runtime's default) to "
                    + MAX_THREADS);
        }
    }

    private static void requireText(String what, String key, String value) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException(what + " is blank; expected a non-empty key");
        }
        if (value == null) {
            throw new IllegalArgumentException(what + " '" + key + "' has a null value");
        }
    }

    /**
     * Builds a {@link SessionConfig}. Each setter checks its value at once and throws
     * {@link IllegalArgumentException} naming the value and the valid range. Not thread-safe.
     */
    public static final class Builder {
        private int intraOpThreads;
        private int interOpThreads;
        private boolean spinning;
        private OptimizationLevel optimizationLevel = OptimizationLevel.ALL;
        private ExecutionMode executionMode = ExecutionMode.SEQUENTIAL;
        private List<ExecutionProvider> providers = List.of();
        private final Map<ExecutionProvider, Map<String, String>> providerOptions = new EnumMap<>(ExecutionProvider.class);
        private boolean requireProviders;
        private boolean memoryPattern = true;
        private boolean cpuArena = true;
        private Path optimizedModelPath;
        private final Map<String, String> configEntries = new LinkedHashMap<>();

        private Builder() {
        }

        /** Intra-op threads, 0 (ONNX Runtime's default: one per physical core) to {@value SessionConfig#MAX_THREADS}. */
        public Builder intraOpThreads(int threads) {
            requireRange("intraOpThreads", threads);
            this.intraOpThreads = threads;
            return this;
        }

        /** Inter-op threads, 0 (ONNX Runtime's default) to {@value SessionConfig#MAX_THREADS}. */
        public Builder interOpThreads(int threads) {
            requireRange("interOpThreads", threads);
            this.interOpThreads = threads;
            return this;
        }

        /** Whether idle intra-op threads spin; default false. */
        public Builder spinning(boolean spinning) {
            this.spinning = spinning;
            return this;
        }

        /** Graph optimization level; default {@link OptimizationLevel#ALL}. */
        public Builder optimizationLevel(OptimizationLevel level) {
            this.optimizationLevel = Objects.requireNonNull(level, "optimizationLevel");
            return this;
        }

        /** Execution mode; default {@link ExecutionMode#SEQUENTIAL}. */
        public Builder executionMode(ExecutionMode mode) {
            this.executionMode = Objects.requireNonNull(mode, "executionMode");
            return this;
        }

        /** Providers to try before the CPU, in order of preference (without CPU, no duplicates). */
        public Builder providers(List<ExecutionProvider> providers) {
            this.providers = checkProviders(providers);
            return this;
        }

        /** Providers to try before the CPU, in order of preference. */
        public Builder providers(ExecutionProvider... providers) {
            return providers(List.of(providers));
        }

        /** String options for one provider (e.g. {@code device_id=1} for CUDA); the provider must be listed. */
        public Builder providerOptions(ExecutionProvider provider, Map<String, String> options) {
            Objects.requireNonNull(provider, "provider");
            options.forEach((key, value) -> requireText("providerOptions key of " + provider, key, value));
            providerOptions.put(provider, Map.copyOf(options));
            return this;
        }

        /** Fail the open when a provider cannot be registered (true), or skip it and report why (false, default). */
        public Builder requireProviders(boolean require) {
            this.requireProviders = require;
            return this;
        }

        /** ONNX Runtime's memory-pattern optimization; default true. */
        public Builder memoryPattern(boolean enabled) {
            this.memoryPattern = enabled;
            return this;
        }

        /** The CPU arena allocator; default true. */
        public Builder cpuArena(boolean enabled) {
            this.cpuArena = enabled;
            return this;
        }

        /** Where ONNX Runtime saves the optimized model when a session opens (its folder must exist). */
        public Builder optimizedModelPath(Path path) {
            Objects.requireNonNull(path, "optimizedModelPath");
            Path parent = path.toAbsolutePath().getParent();
            if (parent == null || !java.nio.file.Files.isDirectory(parent)) {
                throw new IllegalArgumentException("optimizedModelPath " + path + ": folder " + parent
                        + " does not exist; expected a path in an existing folder");
            }
            this.optimizedModelPath = path;
            return this;
        }

        /** A session config entry ({@code session.*} key), e.g. {@code session.set_denormal_as_zero=1}. */
        public Builder configEntry(String key, String value) {
            checkEntry(key, value);
            configEntries.put(key, value);
            return this;
        }

        /** The config; checks the fields against each other (e.g. options only for listed providers). */
        public SessionConfig build() {
            return new SessionConfig(intraOpThreads, interOpThreads, spinning, optimizationLevel, executionMode,
                    providers, providerOptions, requireProviders, memoryPattern, cpuArena, optimizedModelPath,
                    configEntries);
        }
    }
}
