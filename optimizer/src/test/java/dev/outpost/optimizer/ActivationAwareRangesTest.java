package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.ValueInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActivationAwareRangesTest {

    /**
     * x -> SiLU (Sigmoid + Mul) -> s; y -> Sigmoid -> g; z -> SiLU and also Relu; w -> Mul(w, w); every
     * range [-100, 50].
     */
    private static Graph graph() {
        Graph graph = OnnxModel.create("ranges", 17).graph();
        for (String input : List.of("x", "y", "z", "w")) {
            graph.addInput(ValueInfo.of(input, ElementType.FLOAT, 1, 4));
        }
        graph.add(Op.SIGMOID, List.of("x"), List.of("x_gate"), Map.of());
        graph.add(Op.MUL, List.of("x_gate", "x"), List.of("s"), Map.of());
        graph.add(Op.SIGMOID, List.of("y"), List.of("g"), Map.of());
        graph.add(Op.SIGMOID, List.of("z"), List.of("z_gate"), Map.of());
        graph.add(Op.MUL, List.of("z", "z_gate"), List.of("zs"), Map.of());
        graph.add(Op.RELU, List.of("z"), List.of("zr"), Map.of());
        graph.add(Op.MUL, List.of("w", "w"), List.of("ww"), Map.of());
        for (String output : List.of("s", "g", "zs", "zr", "ww")) {
            graph.addOutput(ValueInfo.of(output, ElementType.FLOAT, 1, 4));
        }
        return graph;
    }

    @Test
    void silu_input_loses_its_flat_negative_tail_and_sigmoid_input_both_saturated_tails() {
        Map<String, TensorRange> ranges = new HashMap<>();
        for (String tensor : List.of("x", "y", "z", "w")) {
            ranges.put(tensor, TensorRange.seen(-100, 50));
        }

        int narrowed = ActivationAwareRanges.narrow(graph(), ranges);

        assertThat(narrowed).isEqualTo(2);
        assertThat(ranges.get("x")).isEqualTo(new TensorRange(-6, 50, -100, 50));
        assertThat(ranges.get("y")).isEqualTo(new TensorRange(-8, 8, -100, 50));
        // z is also read by a Relu, w by a Mul that is no SiLU: their full range matters.
        assertThat(ranges.get("z")).isEqualTo(TensorRange.seen(-100, 50));
        assertThat(ranges.get("w")).isEqualTo(TensorRange.seen(-100, 50));
    }

    @Test
    void ranges_already_inside_the_limits_are_left_alone() {
        Map<String, TensorRange> ranges = new HashMap<>(Map.of("x", TensorRange.seen(-2, 3), "y", TensorRange.seen(-1, 1)));

        assertThat(ActivationAwareRanges.narrow(graph(), ranges)).isZero();
        assertThat(ranges).containsEntry("x", TensorRange.seen(-2, 3)).containsEntry("y", TensorRange.seen(-1, 1));
    }
}
