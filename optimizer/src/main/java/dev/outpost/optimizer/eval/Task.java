package dev.outpost.optimizer.eval;

import dev.outpost.optimizer.OptimizerException;
import java.util.Arrays;
import java.util.Locale;

/**
 * What an evaluation measures.
 *
 * <ul>
 *   <li>{@link #CLASSIFY}: top-1 and top-5 accuracy against class labels.</li>
 *   <li>{@link #DETECT}: mAP@0.5 and mAP@0.5:0.95 against ground-truth boxes.</li>
 *   <li>{@link #EMBED}: cosine similarity of each output to a reference model's (labels are ignored).</li>
 *   <li>{@link #TENSOR}: fidelity of every output to a reference model's: top-1 agreement for
 *       vector-shaped outputs, mean and minimum cosine, SQNR, largest absolute error.</li>
 * </ul>
 * With a reference model, every task also reports the fidelity metrics.
 */
public enum Task {
    /** Top-1 / top-5 accuracy against class labels. */
    CLASSIFY,
    /** mAP against ground-truth boxes. */
    DETECT,
    /** Cosine similarity of embeddings to a reference model's. */
    EMBED,
    /** Output fidelity to a reference model. */
    TENSOR;

    /** The name on the command line: {@code classify}, {@code detect}, {@code embed}, {@code tensor}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The task of a command-line name (case-insensitive).
     *
     * @throws OptimizerException INVALID_OPTION naming the choices
     */
    public static Task parse(String name) {
        for (Task task : values()) {
            if (task.cliName().equalsIgnoreCase(name.strip())) {
                return task;
            }
        }
        throw new OptimizerException(OptimizerException.Code.INVALID_OPTION, "Unknown task '" + name
                + "'; expected one of " + Arrays.stream(values()).map(Task::cliName).toList());
    }
}
