package dev.outpost.optimizer;

import dev.outpost.model.Graph;
import dev.outpost.model.Node;
import dev.outpost.model.Op;
import java.util.List;
import java.util.Map;

/**
 * Narrows the calibrated range of a tensor whose readers only look at it through a saturating
 * activation. A SiLU, {@code Mul(x, Sigmoid(x))}, flattens out below about -6 (SiLU(-6) = -0.015,
 * its minimum is -0.278 at -1.28), so the part of a pre-activation's range below that only widens the
 * 8-bit step for the values that matter; a Sigmoid alone also saturates above +8. Internal.
 */
final class ActivationAwareRanges {

    /** Below this a SiLU's output is within 0.015 of zero. */
    static final double SILU_FLOOR = -6.0;
    /** Beyond this a Sigmoid's output is within 3.4e-4 of 0 or 1. */
    static final double SIGMOID_LIMIT = 8.0;

    private ActivationAwareRanges() {
    }

    /** Narrows, in place, the ranges of tensors read only by a SiLU pair or only by Sigmoids. */
    static int narrow(Graph graph, Map<String, TensorRange> ranges) {
        int narrowed = 0;
        for (Map.Entry<String, TensorRange> entry : ranges.entrySet()) {
            String tensor = entry.getKey();
            List<Node> readers = graph.consumers(tensor);
            if (readers.isEmpty() || graph.outputs().stream().anyMatch(o -> o.name().equals(tensor))) {
                continue;
            }
            TensorRange range = entry.getValue();
            double min = range.min();
            double max = range.max();
            if (readers.stream().allMatch(r -> r.is(Op.SIGMOID))) {
                min = Math.max(min, -SIGMOID_LIMIT);
                max = Math.min(max, SIGMOID_LIMIT);
            } else if (isSilu(graph, tensor, readers)) {
                min = Math.max(min, SILU_FLOOR);
            } else {
                continue;
            }
            if (min < max && (min != range.min() || max != range.max())) {
                entry.setValue(new TensorRange(min, max, range.seenMin(), range.seenMax()));
                narrowed++;
            }
        }
        return narrowed;
    }

    /** Readers are one Sigmoid of the tensor and Muls of the tensor by that Sigmoid's output. */
    private static boolean isSilu(Graph graph, String tensor, List<Node> readers) {
        List<Node> sigmoids = readers.stream().filter(r -> r.is(Op.SIGMOID)).toList();
        if (sigmoids.size() != 1) {
            return false;
        }
        String gate = sigmoids.get(0).output(0);
        for (Node reader : readers) {
            if (reader == sigmoids.get(0)) {
                continue;
            }
            boolean product = reader.is(Op.MUL) && reader.inputCount() == 2
                    && (reader.input(0).equals(tensor) && reader.input(1).equals(gate)
                    || reader.input(1).equals(tensor) && reader.input(0).equals(gate));
            if (!product) {
                return false;
            }
        }
        return readers.size() >= 2;
    }
}
