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

    /** Which nodes a mixed-precision step keeps float. */
    public enum Order {
        /** None: every planned node quantized. */
        NONE("all int8"),
        /** The nodes whose own output SQNR is lowest ({@link Sensitivity}). */
        MOST_SENSITIVE("most sensitive"),
        /**
         * The first quantized nodes in graph order: error made early passes through, and is amplified
         * by, every later layer, and a vision model's first layers see the raw input's scale.
         */
        FIRST_IN_GRAPH("first in graph order");

        private final String label;

        Order(String label) {
            this.label = label;
        }

        /** How the report names it. */
        public String label() {
            return label;
        }

        /** The {@code k} nodes this order keeps float, in words: "the first 8 nodes in graph order". */
        public String describe(int k) {
            return switch (this) {
                case NONE -> "no node";
                case MOST_SENSITIVE -> "the " + k + " most sensitive nodes";
                case FIRST_IN_GRAPH -> "the first " + k + " nodes in graph order";
            };
        }
    }

    /** One tried configuration: which and how many nodes stayed float, and the metric. */
    public record Step(Order order, int keptFloat, double metric) {
        /** Requires the order. */
        public Step {
            Objects.requireNonNull(order, "order");
        }
    }
}
