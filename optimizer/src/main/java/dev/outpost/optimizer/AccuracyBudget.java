package dev.outpost.optimizer;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Mixed precision's accuracy budget: how much a quality metric may drop from the fp32 model's, and how
 * to measure it on a model file (typically {@code outpost eval}'s evaluator on labeled data).
 *
 * @param maxDrop the largest acceptable drop, in the metric's units (points for top-1 in percent)
 * @param metric the metric's name, for the report (e.g. {@code top1}, {@code map50})
 * @param evaluate the metric of a model file; higher is better
 */
public record AccuracyBudget(double maxDrop, String metric, ToDoubleFunction<Path> evaluate) {

    /** Checks the budget. */
    public AccuracyBudget {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(evaluate, "evaluate");
        if (!(maxDrop >= 0) || Double.isInfinite(maxDrop)) {
            throw new OptimizerException(OptimizerException.Code.INVALID_OPTION,
                    "--max-accuracy-drop must be a finite number >= 0; received " + maxDrop);
        }
    }

    /** One tried configuration: how many of the most sensitive nodes stayed float, and the metric. */
    public record Step(int keptFloat, double metric) {
    }
}
