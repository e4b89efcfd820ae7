package dev.outpost.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The entry point of the runtime: opens models as {@link ModelSession}s on ONNX Runtime.
 *
 * <p>All engines share ONNX Runtime's one process-wide environment, which lives until the JVM
 * exits; an engine only tracks the sessions it opened.
 *
 * <p>Thread-safe. Ownership: the creator closes the engine; {@link #close()} is idempotent and
 * closes every session this engine opened that is still open (each waits for its runs in progress).
 * Sessions may also be closed on their own before. After close, {@code open*} throws
 * {@link IllegalStateException}.
 */
public final class InferenceEngine implements AutoCloseable {

    private final OrtEnvironment environment;
    private final Set<ModelSession> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private InferenceEngine(OrtEnvironment environment) {
        this.environment = environment;
    }

    /**
     * An engine on ONNX Runtime's environment (created on first use; loads the native library).
     *
     * @throws InferenceException BACKEND_FAILURE when the native library cannot be loaded
     */
    public static InferenceEngine create() {
        return new InferenceEngine(environment());
    }

    /** Stack of the thread that initializes ONNX Runtime (see {@link #environment()}). */
    static final long INIT_STACK_BYTES = 16L << 20;

    /**
     * ONNX Runtime's process-wide environment, initialized on a thread of its own with a
     * {@value #INIT_STACK_BYTES}-byte stack. Its native initialization needs more stack than a JVM
     * thread's default 1 MiB leaves on some machines: on the 2-vCPU development VM it overflowed the
     * main thread's stack (a SIGSEGV that kills the JVM without an error report) as soon as some 40
     * jars were on the class path. Once initialized, sessions open and run on any thread.
     */
    private static OrtEnvironment environment() {
        CompletableFuture<OrtEnvironment> result = new CompletableFuture<>();
        Thread init = new Thread(null, () -> {
            try {
                result.complete(OrtEnvironment.getEnvironment());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "outpost-ort-init", INIT_STACK_BYTES);
        init.setDaemon(true);
        init.start();
        try {
            return result.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            throw new InferenceException(InferenceException.Code.BACKEND_FAILURE,
                    "ONNX Runtime could not be loaded on " + System.getProperty("os.name") + "/"
                            + System.getProperty("os.arch") + ": " + cause.getMessage(), cause);
        }
    }

    /** The version of the ONNX Runtime native library, e.g. {@code 1.29.0}. */
    public String ortVersion() {
        return environment.getVersion();
    }

    /** The execution providers this ONNX Runtime build has (always includes CPU). */
    public Set<ExecutionProvider> availableProviders() {
        return Set.copyOf(OrtOptions.availableProviders());
    }

    /** Opens the model file at {@code model} with the default {@link SessionConfig}. */
    public ModelSession open(Path model) {
        return open(model, SessionConfig.defaults());
    }

    /**
     * Opens the model file at {@code model}; ONNX Runtime reads the file itself, so external weight
     * files next to it are found.
     *
     * @throws InferenceException MODEL_NOT_FOUND, INVALID_MODEL, UNSUPPORTED_OPERATOR, PROVIDER_UNAVAILABLE
     */
    public ModelSession open(Path model, SessionConfig config) {
        Path file = requireModelFile(model);
        return open(file.getFileName().toString(), config,
                (env, options) -> env.createSession(file.toAbsolutePath().toString(), options));
    }

    /**
     * Opens the model file at {@code model} through a read-only memory map: the file's pages are
     * handed to ONNX Runtime without reading them onto the Java heap. The mapping is only needed while
     * the session is created. External weight files are not supported this way; use {@link #open(Path, SessionConfig)}.
     *
     * @throws InferenceException MODEL_NOT_FOUND, INVALID_MODEL, UNSUPPORTED_OPERATOR, PROVIDER_UNAVAILABLE
     */
    public ModelSession openMapped(Path model, SessionConfig config) {
        Path file = requireModelFile(model);
        MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new InferenceException(InferenceException.Code.INVALID_MODEL, "Model " + file + " is "
                        + channel.size() + " bytes; memory-mapped loading supports up to 2 GiB, use open(Path, ...)");
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
        } catch (IOException e) {
            throw new InferenceException(InferenceException.Code.MODEL_NOT_FOUND, "Model " + file
                    + " could not be mapped: " + e.getMessage(), e);
        }
        return open(file.getFileName().toString(), config, (env, options) -> env.createSession(mapped, options));
    }

    /**
     * Opens a model from its serialized bytes (ONNX or ORT format).
     *
     * @throws InferenceException INVALID_MODEL (also for an empty array), UNSUPPORTED_OPERATOR, PROVIDER_UNAVAILABLE
     */
    public ModelSession open(byte[] model, SessionConfig config) {
        Objects.requireNonNull(model, "model");
        String label = "<" + model.length + " bytes>";
        if (model.length == 0) {
            throw new InferenceException(InferenceException.Code.INVALID_MODEL, "Model " + label
                    + " is empty; expected the bytes of an ONNX model");
        }
        return open(label, config, (env, options) -> env.createSession(model, options));
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Closes every session this engine opened that is still open. Idempotent. */
    @Override
    public void close() {
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        for (ModelSession session : List.copyOf(sessions)) {
            try {
                session.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    @Override
    public String toString() {
        return "InferenceEngine[ORT " + ortVersion() + ", " + sessions.size() + " open sessions"
                + (closed ? ", closed]" : "]");
    }

    @FunctionalInterface
    private interface Loader {
        OrtSession load(OrtEnvironment environment, OrtSession.SessionOptions options) throws OrtException;
    }

    private ModelSession open(String label, SessionConfig config, Loader loader) {
        Objects.requireNonNull(config, "config");
        checkOpen();
        OrtOptions.Prepared prepared = OrtOptions.prepare(config);
        OrtSession session;
        try {
            session = loader.load(environment, prepared.options());
        } catch (OrtException e) {
            prepared.close();
            throw OrtTypes.loadFailure(e, label);
        } catch (RuntimeException e) {
            prepared.close();
            throw e;
        }
        ModelSession[] holder = new ModelSession[1];
        ModelSession opened = new ModelSession(label, environment, session, prepared,
                () -> sessions.remove(holder[0]));
        holder[0] = opened;
        sessions.add(opened);
        if (closed) {
            opened.close();
            checkOpen();
        }
        return opened;
    }

    private static Path requireModelFile(Path model) {
        Objects.requireNonNull(model, "model");
        if (!Files.exists(model)) {
            throw new InferenceException(InferenceException.Code.MODEL_NOT_FOUND, "Model file " + model.toAbsolutePath()
                    + " does not exist");
        }
        if (!Files.isRegularFile(model) || !Files.isReadable(model)) {
            throw new InferenceException(InferenceException.Code.MODEL_NOT_FOUND, "Model " + model.toAbsolutePath()
                    + " is not a readable file");
        }
        try {
            if (Files.size(model) == 0) {
                throw new InferenceException(InferenceException.Code.INVALID_MODEL, "Model file "
                        + model.toAbsolutePath() + " is empty; expected an ONNX model");
            }
        } catch (IOException e) {
            throw new InferenceException(InferenceException.Code.MODEL_NOT_FOUND, "Model " + model.toAbsolutePath()
                    + " could not be read: " + e.getMessage(), e);
        }
        return model;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("InferenceEngine is closed; create a new one to open models");
        }
    }
}
