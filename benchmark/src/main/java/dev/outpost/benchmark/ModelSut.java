package dev.outpost.benchmark;

import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The real system under test: a {@link ModelSession} run on inputs allocated once, before measuring.
 * One run of the model processes {@link #samplesPerRun()} samples (the batch); a query of {@code n}
 * samples makes {@code ceil(n / samplesPerRun)} runs. Outputs are closed right after each run.
 *
 * <p>Owns its input tensors (closed by {@link #close()}, idempotent); does not own the session, which
 * must outlive it. Safe for concurrent {@link #issue} calls (the session is, and the inputs are only read).
 */
public final class ModelSut implements SessionSut {

    private final ModelSession session;
    private final Map<String, Tensor> inputs;
    private final int samplesPerRun;
    private final String description;
    private volatile boolean closed;

    private ModelSut(ModelSession session, Map<String, Tensor> inputs, String description) {
        this.session = session;
        this.description = description;
        this.inputs = Map.copyOf(inputs);
        Tensor first = inputs.values().iterator().next();
        this.samplesPerRun = first.rank() == 0 ? 1 : (int) Math.max(1, first.dim(0));
    }

    /**
     * Seeded random inputs matching the session's signature; a dynamic first dimension becomes
     * {@code batch}.
     *
     * @throws BenchmarkException ({@code INPUTS}) for string inputs, dynamic non-batch dimensions, or a
     *     batch above 1 on a model whose first dimension is fixed
     */
    public static ModelSut random(ModelSession session, int batch, long seed) {
        Objects.requireNonNull(session, "session");
        if (batch < 1) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                    "Batch is " + batch + "; expected >= 1");
        }
        return new ModelSut(session, BenchInputs.random(session.inputs(), batch, seed), "random (seed " + seed + ")");
    }

    /**
     * Inputs from a folder of {@code NAME.npy} files, one per model input (a single-input model may use
     * the folder's only .npy file). The batch is the files' first dimension.
     *
     * @throws BenchmarkException ({@code INPUTS}) when a file is missing or does not fit its input
     */
    public static ModelSut npyFolder(ModelSession session, Path folder) {
        Objects.requireNonNull(session, "session");
        return new ModelSut(session, BenchInputs.npyFolder(session.inputs(), folder), folder.toString());
    }

    @Override
    public String describeInputs() {
        return description;
    }

    /** Samples processed by one run of the model: the inputs' first dimension. */
    @Override
    public int samplesPerRun() {
        return samplesPerRun;
    }

    @Override
    public void runOnce() {
        try (Outputs outputs = session.run(inputs)) {
            Objects.requireNonNull(outputs);
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Frees the input tensors. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        inputs.values().forEach(Tensor::close);
    }
}
