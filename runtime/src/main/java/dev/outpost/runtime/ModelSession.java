package dev.outpost.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A loaded model, ready to run. Opened by {@link InferenceEngine}.
 *
 * <p>Thread-safe: any number of threads may call {@link #run} concurrently on one session (ONNX
 * Runtime runs them in parallel; size {@link SessionConfig#intraOpThreads()} with that in mind).
 * {@link #close()} waits for runs in progress to finish, then frees the native session; runs that
 * start after close throw {@link IllegalStateException}. A run given a {@link RunControl} can be
 * cancelled from another thread.
 *
 * <p>Inputs and outputs: every input is checked against the model (names, element type, shape)
 * before native code is called, and handed to ONNX Runtime without a copy from the tensor's direct
 * buffer. Outputs whose shape the model declares completely are written by ONNX Runtime straight
 * into buffers of ours (reused once the {@link Outputs} are closed); other outputs are copied out
 * of ONNX Runtime's memory, which is freed before {@code run} returns.
 *
 * <p>Ownership: the engine that opened the session, or the caller, closes it; close is idempotent.
 */
public final class ModelSession implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModelSession.class.getName());

    private final String model;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final OrtOptions.Prepared options;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final Map<String, TensorSpec> inputsByName;
    private final Map<String, TensorSpec> outputsByName;
    private final Map<String, String> otherInputs;
    private final Map<String, String> otherOutputs;
    private final Set<String> supportedOtherOutputs;
    private final Map<String, PinnedOutput> pinnable;
    private final List<String> allOutputNames;
    private final ModelMetadata metadata;
    private final Runnable onClose;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile boolean pinOutputs = true;

    /** Takes ownership of {@code session} and {@code options}; closes both if reading the model's info fails. */
    ModelSession(String model, OrtEnvironment environment, OrtSession session, OrtOptions.Prepared options,
                 Runnable onClose) {
        this.model = model;
        this.environment = environment;
        this.session = session;
        this.options = options;
        this.onClose = onClose;
        try {
            Map<String, TensorSpec> in = new LinkedHashMap<>();
            Map<String, String> otherIn = new LinkedHashMap<>();
            for (NodeInfo node : session.getInputInfo().values()) {
                OrtTypes.specOf(node).ifPresentOrElse(spec -> in.put(spec.name(), spec),
                        () -> otherIn.put(node.getName(), OrtTypes.describe(node.getInfo())));
            }
            Map<String, TensorSpec> out = new LinkedHashMap<>();
            Map<String, String> otherOut = new LinkedHashMap<>();
            Set<String> supportedOther = new LinkedHashSet<>();
            Map<String, PinnedOutput> pins = new LinkedHashMap<>();
            List<String> names = new ArrayList<>();
            for (NodeInfo node : session.getOutputInfo().values()) {
                names.add(node.getName());
                var spec = OrtTypes.specOf(node);
                if (spec.isPresent()) {
                    out.put(node.getName(), spec.get());
                    PinnedOutput.of(spec.get()).ifPresent(pin -> pins.put(node.getName(), pin));
                } else {
                    otherOut.put(node.getName(), OrtTypes.describe(node.getInfo()));
                    if (node.getInfo() instanceof SequenceInfo) {
                        supportedOther.add(node.getName());
                    }
                }
            }
            this.inputsByName = Collections.unmodifiableMap(in);
            this.outputsByName = Collections.unmodifiableMap(out);
            this.inputs = List.copyOf(in.values());
            this.outputs = List.copyOf(out.values());
            this.otherInputs = Collections.unmodifiableMap(otherIn);
            this.otherOutputs = Collections.unmodifiableMap(otherOut);
            this.supportedOtherOutputs = Set.copyOf(supportedOther);
            this.pinnable = Map.copyOf(pins);
            this.allOutputNames = List.copyOf(names);
            OnnxModelMetadata meta = session.getMetadata();
            this.metadata = new ModelMetadata(meta.getProducerName(), meta.getGraphName(),
                    meta.getGraphDescription(), meta.getDomain(), meta.getDescription(), meta.getVersion(),
                    meta.getCustomMetadata());
        } catch (OrtException | RuntimeException e) {
            closeNative();
            throw e instanceof OrtException ortError ? OrtTypes.loadFailure(ortError, model) : (RuntimeException) e;
        }
    }

    /** The model's name in messages: its file name, or a label for models given as bytes. */
    public String name() {
        return model;
    }

    /** The model's tensor inputs, in model order, with symbolic dimension names. */
    public List<TensorSpec> inputs() {
        return inputs;
    }

    /** The model's tensor outputs, in model order, with symbolic dimension names (see also {@link #otherOutputs()}). */
    public List<TensorSpec> outputs() {
        return outputs;
    }

    /**
     * Outputs that are not tensors of a supported element type, by name, with their ONNX type as text
     * (e.g. {@code sequence<map<string,float>>}). Sequences are returned by {@link #run}; other kinds
     * are refused with {@link InferenceException.Code#UNSUPPORTED_OUTPUT} when requested.
     */
    public Map<String, String> otherOutputs() {
        return otherOutputs;
    }

    /** The model's metadata (producer, graph, version, custom properties). */
    public ModelMetadata metadata() {
        return metadata;
    }

    /** The execution providers requested and used, and why any fell back. */
    public ProviderReport providers() {
        return options.report();
    }

    /** Runs the model on {@code inputs} (every model input, by name) and returns every output. */
    public Outputs run(Map<String, Tensor> inputs) {
        return execute(inputs, null, null);
    }

    /**
     * Runs the model and returns the requested outputs, in the order of {@code outputNames} (all
     * outputs when null). The inputs stay owned by the caller and are not modified.
     *
     * @throws InferenceException UNKNOWN_INPUT, MISSING_INPUT, WRONG_TYPE, WRONG_SHAPE,
     *     INVALID_ARGUMENT (unknown output name, closed input), UNSUPPORTED_OUTPUT (checked before
     *     native code runs) or BACKEND_FAILURE (ONNX Runtime failed while running)
     * @throws IllegalStateException when the session is closed
     */
    public Outputs run(Map<String, Tensor> inputs, Set<String> outputNames) {
        return execute(inputs, outputNames, null);
    }

    /** As {@link #run(Map)}, cancellable through {@code control}; see {@link #run(Map, Set, RunControl)}. */
    public Outputs run(Map<String, Tensor> inputs, RunControl control) {
        return run(inputs, null, control);
    }

    /**
     * As {@link #run(Map, Set)}, cancellable through {@code control}: once {@link RunControl#cancel()}
     * is called, from any thread, this run throws CANCELLED (and returns no outputs) as soon as ONNX
     * Runtime finishes the operator it is computing, or at once when the run has not reached ONNX
     * Runtime yet. A cancel that comes after the run returned has no effect on it. The session is
     * not affected by a cancel: later runs work as usual.
     *
     * @throws InferenceException as {@link #run(Map, Set)}, and CANCELLED when {@code control} is
     *     or gets cancelled before the run returns (the input checks come first)
     * @throws IllegalStateException when the session or {@code control} is closed
     */
    public Outputs run(Map<String, Tensor> inputs, Set<String> outputNames, RunControl control) {
        return execute(inputs, outputNames, Objects.requireNonNull(control, "control"));
    }

    /** A new {@link RunControl}, to cancel runs of this (or any) session; the caller closes it. */
    public RunControl newRunControl() {
        return new RunControl("");
    }

    /**
     * A new {@link RunControl} with a tag that names its runs in {@link InferenceException} messages
     * and in ONNX Runtime's log (e.g. a request id); the caller closes it.
     *
     * @throws IllegalArgumentException when {@code tag} is blank
     */
    public RunControl newRunControl(String tag) {
        if (Objects.requireNonNull(tag, "tag").isBlank()) {
            throw new IllegalArgumentException("tag is blank; use newRunControl() for a control without a tag");
        }
        return new RunControl(tag);
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Waits for runs in progress, then frees the native session. Idempotent. */
    @Override
    public void close() {
        var writeLock = lifecycle.writeLock();
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeNative();
        } finally {
            writeLock.unlock();
        }
        onClose.run();
    }

    @Override
    public String toString() {
        return "ModelSession[" + model + (closed ? ", closed]" : ", " + options.report() + "]");
    }

    // ---- package-private, for SessionRun and tests ----

    OrtEnvironment environment() {
        return environment;
    }

    OrtSession ortSession() {
        return session;
    }

    TensorSpec outputSpec(String name) {
        return outputsByName.get(name);
    }

    /** The pinned-output slot of {@code name}, or null when it is not pinned (dynamic shape, or pinning off). */
    PinnedOutput pinned(String name) {
        return pinOutputs ? pinnable.get(name) : null;
    }

    /** Turns writing static-shaped outputs straight into our buffers on or off (benchmarks compare both). */
    void pinOutputs(boolean enabled) {
        this.pinOutputs = enabled;
    }

    /** Called when a run succeeded only without pinned outputs: the model's declared output shapes are wrong. */
    void disablePinning(String reason) {
        if (pinOutputs) {
            pinOutputs = false;
            LOG.log(System.Logger.Level.INFO, "Model {0}: outputs are copied from now on; writing them into"
                    + " pre-allocated buffers failed: {1}", model, reason);
        }
    }

    /** Checks the arguments under the session's read lock, then runs; {@code control} may be null. */
    private Outputs execute(Map<String, Tensor> inputs, Set<String> outputNames, RunControl control) {
        Objects.requireNonNull(inputs, "inputs");
        var readLock = lifecycle.readLock();
        readLock.lock();
        try {
            checkOpen();
            InputCheck.check(model, inputs, inputsByName, otherInputs);
            List<String> wanted = checkOutputs(outputNames);
            if (control == null) {
                return new SessionRun(this, inputs, wanted, null).execute();
            }
            control.enter(model);
            try {
                return new SessionRun(this, inputs, wanted, control).execute();
            } finally {
                control.leave();
            }
        } finally {
            readLock.unlock();
        }
    }

    private List<String> checkOutputs(Set<String> outputNames) {
        List<String> wanted = outputNames == null ? allOutputNames : List.copyOf(outputNames);
        if (wanted.isEmpty()) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "No outputs requested from model "
                    + model + "; pass null for all, or some of " + allOutputNames);
        }
        for (String name : wanted) {
            if (!outputsByName.containsKey(name) && !otherOutputs.containsKey(name)) {
                throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Unknown output '" + name
                        + "' requested from model " + model + "; its outputs are " + allOutputNames);
            }
            if (!outputsByName.containsKey(name) && !supportedOtherOutputs.contains(name)) {
                List<String> others = new ArrayList<>(outputsByName.keySet());
                others.addAll(supportedOtherOutputs);
                throw new InferenceException(InferenceException.Code.UNSUPPORTED_OUTPUT, "Output '" + name
                        + "' of model " + model + " is a " + otherOutputs.get(name) + ", which the runtime cannot"
                        + " return; request only supported outputs: " + others);
            }
        }
        return wanted;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ModelSession of model " + model + " is closed");
        }
    }

    private void closeNative() {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.log(System.Logger.Level.WARNING, "Closing the ONNX Runtime session of model " + model + " failed", e);
        } finally {
            options.close();
        }
    }
}
