package dev.outpost.optimizer.eval;

/**
 * Receives progress of a long evaluation step: decoding a data set, running a model over it. Called
 * on the evaluating thread, at most once per sample.
 */
@FunctionalInterface
public interface EvalProgress {

    /** Ignores every update. */
    EvalProgress NONE = (phase, done, total) -> { };

    /**
     * Reports progress.
     *
     * @param phase what is being done, e.g. {@code decode} or {@code squeezenet.onnx classify}
     * @param done samples finished in this phase
     * @param total samples in this phase
     */
    void update(String phase, int done, int total);
}
