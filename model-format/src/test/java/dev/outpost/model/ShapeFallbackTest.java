package dev.outpost.model;

import static dev.outpost.model.TinyModels.floats;
import static dev.outpost.model.TinyModels.int64s;
import static dev.outpost.model.TinyModels.node;
import static dev.outpost.model.TinyModels.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.proto.Onnx;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What happens when the rules cannot resolve a tensor: it is reported unresolved with the reason (never
 * guessed), and the value_info hint or a ShapeOracle (here real ONNX Runtime) can fill it in.
 */
class ShapeFallbackTest {

    /** TopK has no Java rule; ORT's own inference knows its output shape from the constant K. */
    private static Onnx.ModelProto topKThenRelu() {
        return TinyModels.model(13, List.of(floats("x", 3, 10)), List.of(int64s("k", 4)),
                List.of(node("TopK", List.of("x", "k"), List.of("values", "indices")),
                        node("Relu", List.of("values"), List.of("y"))), "y");
    }

    @Test
    void a_tensor_without_a_rule_is_unresolved_with_the_reason_and_so_is_everything_after_it() {
        InferredTypes types = ShapeInference.infer(topKThenRelu());

        assertThat(types.isComplete()).isFalse();
        assertThat(types.unresolved()).containsOnlyKeys("values", "indices", "y");
        assertThat(types.unresolved().get("values")).contains("no shape rule for operator TopK");
        assertThat(types.unresolved().get("y")).contains("input 'values'").contains("unresolved");
        assertThat(types.find("y")).isEmpty();
        assertThatThrownBy(() -> types.get("y")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unresolved");
    }

    @Test
    void a_reshape_target_computed_at_run_time_is_unresolved_not_guessed() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 2, 6), value("target", ElementType.INT64, 2)),
                List.of(), List.of(node("Reshape", List.of("x", "target"), List.of("y"))), "y");

        InferredTypes types = ShapeInference.infer(model);

        assertThat(types.unresolved().get("y")).contains("'shape' input 'target'").contains("computed at run time");
    }

    @Test
    void onnx_runtime_as_oracle_resolves_what_the_rules_cannot_and_the_rules_continue_from_there() {
        OrtShapeOracle oracle = new OrtShapeOracle();

        InferredTypes types = ShapeInference.infer(topKThenRelu(), false, oracle);

        assertThat(oracle.calls()).isEqualTo(1);
        assertThat(types.isComplete()).isTrue();
        assertThat(types.get("values")).hasToString("float[3,4]");
        assertThat(types.get("indices")).hasToString("int64[3,4]");
        assertThat(types.origins().get("values")).isEqualTo(InferredTypes.Origin.ORACLE);
        assertThat(types.get("y")).hasToString("float[3,4]");
        assertThat(types.origins().get("y")).isEqualTo(InferredTypes.Origin.RULE);
    }

    @Test
    void the_oracle_is_not_asked_when_the_rules_resolve_everything() {
        OrtShapeOracle oracle = new OrtShapeOracle();
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 3)), List.of(),
                List.of(node("Relu", List.of("x"), List.of("y"))), "y");

        InferredTypes types = ShapeInference.infer(model, false, oracle);

        assertThat(types.isComplete()).isTrue();
        assertThat(oracle.calls()).isZero();
    }

    @Test
    void augmented_model_adds_each_unresolved_intermediate_as_an_untyped_output() throws Exception {
        byte[] augmented = ShapeOracle.augmentedModel(topKThenRelu().toByteArray());

        Onnx.ModelProto parsed = Onnx.ModelProto.parseFrom(augmented);
        assertThat(parsed.getGraph().getOutputList()).map(Onnx.ValueInfoProto::getName)
                .containsExactly("y", "values", "indices");
        assertThat(parsed.getGraph().getOutput(1).hasType()).isFalse();
        assertThat(parsed.getGraph().getNodeList()).isEqualTo(topKThenRelu().getGraph().getNodeList());
    }

    @Test
    void augmented_model_rejects_bytes_that_are_not_a_model() {
        byte[] garbage = "not a model at all".getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> ShapeOracle.augmentedModel(garbage)).isInstanceOfSatisfying(
                ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(ModelFormatException.Code.NOT_ONNX));
    }

    @Test
    void value_info_is_used_only_as_a_hint_for_what_the_rules_cannot_resolve() {
        Onnx.ModelProto model = topKThenRelu().toBuilder().setGraph(topKThenRelu().getGraph().toBuilder()
                .addValueInfo(value("values", ElementType.FLOAT, 3, 4))
                .addValueInfo(value("y", ElementType.FLOAT, 99, 99))).build();

        InferredTypes types = ShapeInference.infer(model, true, null);

        assertThat(types.origins().get("values")).isEqualTo(InferredTypes.Origin.VALUE_INFO);
        assertThat(types.get("y")).as("the rule wins over a wrong hint").hasToString("float[3,4]");
        assertThat(types.unresolved()).containsOnlyKeys("indices");
    }

    @Test
    void a_cycle_is_reported_with_the_nodes_involved() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 3)), List.of(),
                List.of(node("Add", List.of("x", "b"), List.of("a")), node("Relu", List.of("a"), List.of("b"))), "b");

        assertThatThrownBy(() -> ShapeInference.infer(model)).isInstanceOfSatisfying(ModelFormatException.class,
                e -> assertThat(e.code()).isEqualTo(ModelFormatException.Code.CYCLE)).hasMessageContaining("add_a");
    }

    @Test
    void a_bad_attribute_is_an_invalid_model_error_not_a_crash() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 3, 4)), List.of(),
                List.of(node("Transpose", List.of("x"), List.of("y"), TinyModels.ints("perm", 0, 5))), "y");

        assertThatThrownBy(() -> ShapeInference.infer(model)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("transpose_y").hasMessageContaining("axis 5");
    }

    @Test
    void a_failing_oracle_leaves_the_tensors_unresolved_and_says_so() {
        ShapeOracle failing = augmented -> {
            throw new IllegalStateException("runtime not available");
        };

        InferredTypes types = ShapeInference.infer(topKThenRelu(), false, failing);

        assertThat(types.unresolved()).containsOnlyKeys("values", "indices", "y");
        assertThat(types.unresolved().get("values")).contains("no shape rule for operator TopK")
                .contains("ShapeOracle failed too").contains("runtime not available");
    }

    @Test
    void an_initializer_with_a_negative_dimension_is_an_invalid_model() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 3)),
                List.of(Onnx.TensorProto.newBuilder().setName("w").setDataType(1).addDims(-3).build()),
                List.of(node("Add", List.of("x", "w"), List.of("y"))), "y");

        assertThatThrownBy(() -> ShapeInference.infer(model)).isInstanceOfSatisfying(ModelFormatException.class,
                e -> assertThat(e.code()).isEqualTo(ModelFormatException.Code.INVALID_MODEL)).hasMessageContaining("'w'");
    }
}
