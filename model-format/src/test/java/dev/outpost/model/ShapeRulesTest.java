package dev.outpost.model;

import static dev.outpost.model.TinyModels.floats;
import static dev.outpost.model.TinyModels.int64s;
import static dev.outpost.model.TinyModels.integer;
import static dev.outpost.model.TinyModels.ints;
import static dev.outpost.model.TinyModels.node;
import static dev.outpost.model.TinyModels.single;
import static dev.outpost.model.TinyModels.string;
import static dev.outpost.model.TinyModels.zeros;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.proto.Onnx;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-operator shape rules on hand-built single-node models. Where a case is also valid for ONNX Runtime,
 * the inferred shape is checked against the shape ORT actually produces (symbolic dims fed as 2).
 */
class ShapeRulesTest {

    private static String inferred(Onnx.ModelProto model, String tensor) {
        return ShapeInference.infer(model).get(tensor).shape().toString();
    }

    /** Runs the model in ORT on zeros (symbols = 2) and checks every graph output against inference. */
    private static void assertAgreesWithOrt(Onnx.ModelProto model) {
        InferredTypes types = ShapeInference.infer(model);
        List<String> outputs = model.getGraph().getOutputList().stream().map(Onnx.ValueInfoProto::getName).toList();
        Map<String, long[]> actual = OrtRuns.runtimeShapes(model, outputs, 2);
        for (String output : outputs) {
            long[] expected = types.get(output).shape().dims().stream()
                    .mapToLong(dim -> dim.isKnown() ? dim.value() : 2).toArray();
            assertThat(actual.get(output)).as(output + " in ORT").containsExactly(expected);
        }
    }

    @Test
    void add_broadcasts_numpy_style_and_keeps_the_symbolic_batch() {
        Onnx.ModelProto model = single(13, node("Add", List.of("a", "b"), List.of("y")),
                List.of(floats("a", "N", 3, 1, 5), floats("b", 4, 1)));

        assertThat(inferred(model, "y")).isEqualTo("[N,3,4,5]");
        assertAgreesWithOrt(model);
    }

    @Test
    void comparison_yields_bool_and_where_broadcasts_three_ways() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("a", 2, 1), floats("b", 1, 3)), List.of(),
                List.of(node("Greater", List.of("a", "b"), List.of("c")),
                        node("Where", List.of("c", "a", "b"), List.of("y"))), "c", "y");

        InferredTypes types = ShapeInference.infer(model);

        assertThat(types.get("c")).hasToString("bool[2,3]");
        assertThat(types.get("y")).hasToString("float[2,3]");
    }

    @Test
    void incompatible_broadcast_is_a_shape_mismatch_naming_node_and_both_shapes() {
        Onnx.ModelProto model = single(13, node("Mul", List.of("a", "b"), List.of("y")),
                List.of(floats("a", 1, 3, 4), floats("b", 5, 4)));

        assertThatThrownBy(() -> ShapeInference.infer(model))
                .isInstanceOfSatisfying(ModelFormatException.class,
                        e -> assertThat(e.code()).isEqualTo(ModelFormatException.Code.SHAPE_MISMATCH))
                .hasMessageContaining("mul_y").hasMessageContaining("[1,3,4]").hasMessageContaining("[5,4]");
    }

    @Test
    void matmul_broadcasts_batches_and_handles_vectors() {
        Onnx.ModelProto batched = single(13, node("MatMul", List.of("a", "b"), List.of("y")),
                List.of(floats("a", 2, 1, 3, 4), floats("b", 5, 4, 6)));
        Onnx.ModelProto vectorLeft = single(13, node("MatMul", List.of("a", "b"), List.of("y")),
                List.of(floats("a", 4), floats("b", "N", 4, 6)));
        Onnx.ModelProto vectorRight = single(13, node("MatMul", List.of("a", "b"), List.of("y")),
                List.of(floats("a", 3, 4), floats("b", 4)));

        assertThat(inferred(batched, "y")).isEqualTo("[2,5,3,6]");
        assertThat(inferred(vectorLeft, "y")).isEqualTo("[N,6]");
        assertThat(inferred(vectorRight, "y")).isEqualTo("[3]");
        assertAgreesWithOrt(batched);
        assertAgreesWithOrt(vectorLeft);
    }

    @Test
    void matmul_with_disagreeing_inner_dimensions_is_a_shape_mismatch() {
        Onnx.ModelProto model = single(13, node("MatMul", List.of("a", "b"), List.of("y")),
                List.of(floats("a", 3, 4), floats("b", 5, 6)));

        assertThatThrownBy(() -> ShapeInference.infer(model)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("SHAPE_MISMATCH").hasMessageContaining("matmul_y")
                .hasMessageContaining("[3,4] x [5,6]");
    }

    @Test
    void gemm_honours_transposes() {
        Onnx.ModelProto model = single(13, node("Gemm", List.of("a", "w", "c"), List.of("y"),
                        integer("transA", 1), integer("transB", 1)),
                List.of(floats("a", 8, 2)), zeros("w", ElementType.FLOAT, 10, 8), zeros("c", ElementType.FLOAT, 10));

        assertThat(inferred(model, "y")).isEqualTo("[2,10]");
        assertAgreesWithOrt(model);
    }

    @Test
    void reshape_copies_zero_and_infers_minus_one_through_a_symbolic_batch() {
        Onnx.ModelProto model = single(13, node("Reshape", List.of("x", "shape"), List.of("y")),
                List.of(floats("x", "N", 3, 4, 5)), int64s("shape", 0, -1));
        Onnx.ModelProto fixed = single(13, node("Reshape", List.of("x", "shape"), List.of("y")),
                List.of(floats("x", 2, 3, 4)), int64s("shape", -1, 4));

        assertThat(inferred(model, "y")).isEqualTo("[N,60]");
        assertThat(inferred(fixed, "y")).isEqualTo("[6,4]");
        assertAgreesWithOrt(model);
    }

    @Test
    void reshape_with_allowzero_keeps_a_real_zero() {
        Onnx.ModelProto model = single(14, node("Reshape", List.of("x", "shape"), List.of("y"),
                        integer("allowzero", 1)),
                List.of(floats("x", 0, 4)), int64s("shape", 4, 0));

        assertThat(inferred(model, "y")).isEqualTo("[4,0]");
    }

    @Test
    void reshape_to_a_different_element_count_is_a_shape_mismatch() {
        Onnx.ModelProto model = single(13, node("Reshape", List.of("x", "shape"), List.of("y")),
                List.of(floats("x", 2, 3)), int64s("shape", 4, 2));

        assertThatThrownBy(() -> ShapeInference.infer(model)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("SHAPE_MISMATCH").hasMessageContaining("6 elements")
                .hasMessageContaining("8 elements");
    }

    @Test
    void reshape_target_folded_from_a_shape_gather_concat_chain_keeps_the_batch_symbol() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", "batch", 8, 2, 2)),
                List.of(int64s("zero", 0), int64s("minus_one", -1)),
                List.of(node("Shape", List.of("x"), List.of("shape")),
                        node("Gather", List.of("shape", "zero"), List.of("batch_dim"), integer("axis", 0)),
                        node("Concat", List.of("batch_dim", "minus_one"), List.of("target"), integer("axis", 0)),
                        node("Reshape", List.of("x", "target"), List.of("y"))), "y");

        assertThat(inferred(model, "y")).isEqualTo("[batch,32]");
        assertAgreesWithOrt(model);
    }

    @Test
    void conv_same_upper_with_stride_two_rounds_up_and_passes_the_batch_through() {
        Onnx.ModelProto model = single(13, node("Conv", List.of("x", "w"), List.of("y"),
                        string("auto_pad", "SAME_UPPER"), ints("strides", 2, 2)),
                List.of(floats("x", "N", 3, 7, 7)), zeros("w", ElementType.FLOAT, 8, 3, 3, 3));

        assertThat(inferred(model, "y")).isEqualTo("[N,8,4,4]");
        assertAgreesWithOrt(model);
    }

    @Test
    void conv_with_pads_dilations_and_groups() {
        Onnx.ModelProto model = single(13, node("Conv", List.of("x", "w"), List.of("y"),
                        ints("pads", 1, 2, 1, 2), ints("dilations", 2, 1), integer("group", 4)),
                List.of(floats("x", 1, 8, 10, 9)), zeros("w", ElementType.FLOAT, 16, 2, 3, 5));

        assertThat(inferred(model, "y")).isEqualTo("[1,16,8,9]");
        assertAgreesWithOrt(model);
    }

    @Test
    void conv_whose_weights_disagree_with_input_channels_is_a_shape_mismatch() {
        Onnx.ModelProto model = single(13, node("Conv", List.of("x", "w"), List.of("y")),
                List.of(floats("x", 1, 3, 8, 8)), zeros("w", ElementType.FLOAT, 4, 2, 3, 3));

        assertThatThrownBy(() -> ShapeInference.infer(model)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("SHAPE_MISMATCH").hasMessageContaining("3 channels");
    }

    @Test
    void conv_transpose_adds_output_padding_and_multiplies_groups() {
        Onnx.ModelProto model = single(13, node("ConvTranspose", List.of("x", "w"), List.of("y"),
                        ints("strides", 2, 2), ints("pads", 1, 1, 1, 1), ints("output_padding", 1, 1),
                        integer("group", 2)),
                List.of(floats("x", 1, 4, 5, 5)), zeros("w", ElementType.FLOAT, 4, 3, 3, 3));

        assertThat(inferred(model, "y")).isEqualTo("[1,6,10,10]");
        assertAgreesWithOrt(model);
    }

    @Test
    void conv_transpose_with_output_shape_uses_it() {
        Onnx.ModelProto model = single(13, node("ConvTranspose", List.of("x", "w"), List.of("y"),
                        ints("strides", 2, 2), ints("output_shape", 11, 12)),
                List.of(floats("x", 1, 2, 5, 6)), zeros("w", ElementType.FLOAT, 2, 3, 3, 3));

        assertThat(inferred(model, "y")).isEqualTo("[1,3,11,12]");
        assertAgreesWithOrt(model);
    }

    @Test
    void max_pool_ceil_mode_rounds_up_but_never_starts_a_window_in_the_padding() {
        Onnx.ModelProto floor = single(13, node("MaxPool", List.of("x"), List.of("y"),
                ints("kernel_shape", 3, 3), ints("strides", 2, 2)), List.of(floats("x", 1, 1, 6, 6)));
        Onnx.ModelProto ceil = single(13, node("MaxPool", List.of("x"), List.of("y"),
                ints("kernel_shape", 3, 3), ints("strides", 2, 2), integer("ceil_mode", 1)),
                List.of(floats("x", 1, 1, 6, 6)));
        Onnx.ModelProto padded = single(13, node("AveragePool", List.of("x"), List.of("y"),
                ints("kernel_shape", 2, 2), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1), integer("ceil_mode", 1)),
                List.of(floats("x", 1, 1, 5, 5)));

        assertThat(inferred(floor, "y")).isEqualTo("[1,1,2,2]");
        assertThat(inferred(ceil, "y")).isEqualTo("[1,1,3,3]");
        assertThat(inferred(padded, "y")).isEqualTo("[1,1,3,3]");
        assertAgreesWithOrt(ceil);
        assertAgreesWithOrt(padded);
    }

    @Test
    void slice_with_negative_steps_and_clamped_indices() {
        Onnx.ModelProto model = single(13, node("Slice", List.of("x", "starts", "ends", "axes", "steps"), List.of("y")),
                List.of(floats("x", 10, 20, 4)), int64s("starts", 8, -1, 100), int64s("ends", 1, -1000, 0),
                int64s("axes", 0, 1, 2), int64s("steps", -3, -1, -2));

        assertThat(inferred(model, "y")).isEqualTo("[3,20,2]");
        assertAgreesWithOrt(model);
    }

    @Test
    void slice_before_opset_10_reads_attributes() {
        Onnx.ModelProto model = single(9, node("Slice", List.of("x"), List.of("y"), ints("starts", 1, -3),
                ints("ends", Long.MAX_VALUE, -1), ints("axes", 1, 2)), List.of(floats("x", "N", 5, 6)));

        assertThat(inferred(model, "y")).isEqualTo("[N,4,2]");
    }

    @Test
    void split_by_input_by_attribute_and_by_num_outputs() {
        Onnx.ModelProto byInput = single(13, node("Split", List.of("x", "sizes"), List.of("y", "z"), integer("axis", 1)),
                List.of(floats("x", 2, 10)), int64s("sizes", 3, 7));
        Onnx.ModelProto byAttribute = single(11, node("Split", List.of("x"), List.of("y", "z"), ints("split", 4, 6),
                integer("axis", -1)), List.of(floats("x", 2, 10)));
        Onnx.ModelProto byCount = single(18, node("Split", List.of("x"), List.of("y", "z", "w"),
                integer("num_outputs", 3)), List.of(floats("x", 10)));

        assertThat(inferred(byInput, "z")).isEqualTo("[2,7]");
        assertThat(inferred(byAttribute, "y")).isEqualTo("[2,4]");
        assertThat(List.of(inferred(byCount, "y"), inferred(byCount, "w"))).containsExactly("[4]", "[2]");
        assertAgreesWithOrt(byInput);
    }

    @Test
    void squeeze_and_unsqueeze_in_attribute_and_input_forms() {
        Onnx.ModelProto attribute = TinyModels.model(11, List.of(floats("x", 1, 3, 1)), List.of(),
                List.of(node("Squeeze", List.of("x"), List.of("s"), ints("axes", -1)),
                        node("Unsqueeze", List.of("s"), List.of("y"), ints("axes", 0, 3))), "y");
        Onnx.ModelProto input = TinyModels.model(13, List.of(floats("x", 1, 3, 1)), List.of(int64s("axes", 0)),
                List.of(node("Squeeze", List.of("x", "axes"), List.of("y"))), "y");

        assertThat(inferred(attribute, "y")).isEqualTo("[1,1,3,1]");
        assertThat(inferred(input, "y")).isEqualTo("[3,1]");
        assertAgreesWithOrt(attribute);
        assertAgreesWithOrt(input);
    }

    @Test
    void resize_by_scales_and_by_sizes() {
        Onnx.ModelProto scales = single(13, node("Resize", List.of("x", "", "scales"), List.of("y")),
                List.of(floats("x", "N", 3, 5, 7)), TinyModels.float32s("scales", 1, 1, 2, 1.5f));
        Onnx.ModelProto sizes = single(13, node("Resize", List.of("x", "", "", "sizes"), List.of("y")),
                List.of(floats("x", 1, 3, 5, 7)), int64s("sizes", 1, 3, 9, 4));

        assertThat(inferred(scales, "y")).isEqualTo("[N,3,10,10]");
        assertThat(inferred(sizes, "y")).isEqualTo("[1,3,9,4]");
        assertAgreesWithOrt(scales);
        assertAgreesWithOrt(sizes);
    }

    @Test
    void transpose_flatten_concat_pad_tile_and_reduce() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 2, 3, 4)),
                List.of(int64s("pads", 0, 1, 0, 0, 2, 0), int64s("repeats", 2, 1, 3), int64s("axes", 1)),
                List.of(node("Transpose", List.of("x"), List.of("t"), ints("perm", 2, 0, 1)),
                        node("Flatten", List.of("x"), List.of("f"), integer("axis", 2)),
                        node("Concat", List.of("x", "x"), List.of("c"), integer("axis", -1)),
                        node("Pad", List.of("x", "pads"), List.of("p")),
                        node("Tile", List.of("x", "repeats"), List.of("r")),
                        node("ReduceSum", List.of("x", "axes"), List.of("s"), integer("keepdims", 0))),
                "t", "f", "c", "p", "r", "s");

        InferredTypes types = ShapeInference.infer(model);

        assertThat(List.of("t", "f", "c", "p", "r", "s")).map(name -> types.get(name).shape().toString())
                .containsExactly("[4,2,3]", "[6,4]", "[2,3,8]", "[2,6,4]", "[4,3,12]", "[2,4]");
        assertAgreesWithOrt(model);
    }

    @Test
    void quantize_dequantize_keep_shape_and_switch_type() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", "N", 4)),
                List.of(TinyModels.float32s("scale", 0.1f), zeros("zero_point", ElementType.INT8)),
                List.of(node("QuantizeLinear", List.of("x", "scale", "zero_point"), List.of("q")),
                        node("DequantizeLinear", List.of("q", "scale", "zero_point"), List.of("y"))), "q", "y");

        InferredTypes types = ShapeInference.infer(model);

        assertThat(types.get("q")).hasToString("int8[N,4]");
        assertThat(types.get("y")).hasToString("float[N,4]");
    }

    @Test
    void reductions_read_axes_from_the_attribute_before_opset_18_and_from_the_input_after() {
        Onnx.ModelProto attribute = single(13, node("ReduceMean", List.of("x"), List.of("y"), ints("axes", 2, 3)),
                List.of(floats("x", "N", 8, 5, 5)));
        Onnx.ModelProto input = single(18, node("ReduceMax", List.of("x", "axes"), List.of("y"),
                integer("keepdims", 0)), List.of(floats("x", "N", 8, 5, 5)), int64s("axes", -1));

        assertThat(inferred(attribute, "y")).isEqualTo("[N,8,1,1]");
        assertThat(inferred(input, "y")).isEqualTo("[N,8,5]");
        assertAgreesWithOrt(attribute);
        assertAgreesWithOrt(input);
    }
}
