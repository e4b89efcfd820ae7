package dev.outpost.model;

import static dev.outpost.model.TinyModels.floats;
import static dev.outpost.model.TinyModels.integer;
import static dev.outpost.model.TinyModels.ints;
import static dev.outpost.model.TinyModels.node;
import static dev.outpost.model.TinyModels.zeros;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.proto.Onnx;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Inspection on hand-built models where every figure can be computed by hand. */
class InspectorTest {

    private static ModelReport inspect(Onnx.ModelProto model) {
        return Inspector.inspect(model, ShapeInference.infer(model));
    }

    /**
     * x[1,100] -> Relu a -> Relu b -> Concat(a,b) c[1,200] -> Relu y (output). Float32, so 400 B per
     * 100 elements. Live bytes per step: Relu a: x+a = 800; Relu b: a+b = 800 (x is dead);
     * Concat: a+b+c = 1600; Relu y: c+y = 1600. Peak 1600, first reached at the Concat.
     */
    @Test
    void activation_peak_on_a_chain_matches_the_hand_count() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 1, 100)), List.of(),
                List.of(node("Relu", List.of("x"), List.of("a")), node("Relu", List.of("a"), List.of("b")),
                        node("Concat", List.of("a", "b"), List.of("c"), integer("axis", 1)),
                        node("Relu", List.of("c"), List.of("y"))), "y");

        ModelReport.ActivationMemory memory = inspect(model).activationMemory();

        assertThat(memory.peakBytes()).isEqualTo(1600);
        assertThat(memory.peakNode()).isEqualTo("concat_c");
        assertThat(memory.batchAssumedOne()).isFalse();
        assertThat(memory.excludedTensors()).isEmpty();
    }

    @Test
    void a_graph_output_stays_live_to_the_end() {
        // x[1000] -> Relu early (output, 4000 B) ; x -> Neg n -> Abs y. early lives through both later nodes.
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 1000)), List.of(),
                List.of(node("Relu", List.of("x"), List.of("early")), node("Neg", List.of("x"), List.of("n")),
                        node("Abs", List.of("n"), List.of("y"))), "early", "y");

        ModelReport.ActivationMemory memory = inspect(model).activationMemory();

        // Neg step: x + early + n = 12000; Abs step: early + n + y = 12000; Relu step: x + early = 8000.
        assertThat(memory.peakBytes()).isEqualTo(12000);
        assertThat(memory.peakNode()).isEqualTo("neg_n");
    }

    @Test
    void macs_of_grouped_conv_conv_transpose_gemm_and_batched_matmul() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", "N", 8, 10, 10), floats("m", "N", 4, 5, 6)),
                List.of(zeros("dw", ElementType.FLOAT, 8, 1, 3, 3), zeros("up", ElementType.FLOAT, 8, 2, 2, 2),
                        zeros("g", ElementType.FLOAT, 6, 7), zeros("k", ElementType.FLOAT, 6, 3)),
                List.of(node("Conv", List.of("x", "dw"), List.of("c"), integer("group", 8), ints("pads", 1, 1, 1, 1)),
                        node("ConvTranspose", List.of("c", "up"), List.of("t"), ints("strides", 2, 2)),
                        node("MatMul", List.of("m", "k"), List.of("mm")),
                        node("Gemm", List.of("flat", "g"), List.of("gemm"))), "t", "mm", "gemm");
        model = model.toBuilder().setGraph(model.getGraph().toBuilder().addInput(floats("flat", 2, 6))).build();

        ModelReport.Compute compute = inspect(model).compute();

        // depthwise: 8*10*10 outputs * (8/8) * 3*3 = 7200; transpose: 8*10*10 inputs * 2 * 2*2 = 6400;
        // matmul: N(=1)*4*5*3 outputs * 6 = 360; gemm: 2*7*6 = 84.
        assertThat(compute.nodes()).extracting(ModelReport.NodeMacs::macs).containsExactly(7200L, 6400L, 360L, 84L);
        assertThat(compute.totalMacs()).isEqualTo(7200 + 6400 + 360 + 84);
        assertThat(compute.batchAssumedOne()).isTrue();
        assertThat(compute.nodes().get(3).batchAssumedOne()).isFalse();
    }

    @Test
    void unresolved_compute_nodes_are_listed_not_guessed() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 2, 6), TinyModels.value("s", ElementType.INT64, 2)),
                List.of(zeros("w", ElementType.FLOAT, 3, 4)),
                List.of(node("Reshape", List.of("x", "s"), List.of("r")), node("MatMul", List.of("r", "w"), List.of("y"))),
                "y");

        ModelReport report = inspect(model);

        assertThat(report.compute().uncounted()).containsExactly("matmul_y");
        assertThat(report.compute().totalMacs()).isZero();
        assertThat(report.activationMemory().excludedTensors()).containsExactly("r", "y");
        assertThat(report.unresolvedTensors()).containsOnlyKeys("r", "y");
    }

    @Test
    void json_has_a_stable_key_order_and_escapes_names() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("in\"put", "N", 3)), List.of(),
                List.of(node("Relu", List.of("in\"put"), List.of("y"))), "y");
        model = model.toBuilder().addMetadataProps(Onnx.StringStringEntryProto.newBuilder()
                .setKey("outpost.source").setValue("a\\b\nc")).build();

        String json = inspect(model).toJson();

        assertThat(json).startsWith("{\"irVersion\":8,\"opsets\":{\"ai.onnx\":13},\"producer\":{\"name\":\"outpost-tests\"")
                .contains("\"inputs\":[{\"name\":\"in\\\"put\",\"elementType\":\"float\",\"shape\":[\"N\",3]}]")
                .contains("\"opHistogram\":{\"ai.onnx:Relu\":1}")
                .contains("\"quantization\":\"FP32\"")
                .endsWith("\"metadata\":{\"outpost.source\":\"a\\\\b\\nc\"},\"unresolvedTensors\":{}}");
        assertThat(json.indexOf("\"parameters\"")).isLessThan(json.indexOf("\"compute\""));
        assertThat(json.indexOf("\"compute\"")).isLessThan(json.indexOf("\"activationMemory\""));
        assertThat(inspect(model).toJson()).isEqualTo(json);
    }

    @Test
    void text_table_shows_the_headline_figures() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 1, 4)), List.of(zeros("w", ElementType.FLOAT, 4, 5)),
                List.of(node("MatMul", List.of("x", "w"), List.of("y"))), "y");

        String text = inspect(model).toText();

        assertThat(text).contains("Parameters       20 (80 B)").contains("MACs             0.000 G")
                .contains("matmul_y").contains("Quantization     FP32").contains("ai.onnx:MatMul")
                .contains("x                                        float    [1,4]");
    }
    /** Sixteen uint8 initializers of 2^59 elements each (dims only, no data) sum to 2^63 bytes, one past a long. */
    @Test
    void parameterTotals_beyondALong_areTooLarge_notAnEscapingIllegalArgument() {
        List<Onnx.TensorProto> weights = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            weights.add(Onnx.TensorProto.newBuilder().setName("w" + i).setDataType(ElementType.UINT8.code())
                    .addDims(1L << 59).build());
        }
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 1, 4)), weights,
                List.of(node("Relu", List.of("x"), List.of("y"))), "y");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> inspect(model))
                .isInstanceOfSatisfying(ModelFormatException.class,
                        e -> assertThat(e.code()).isEqualTo(ModelFormatException.Code.TOO_LARGE))
                .hasMessageContaining("beyond 2^63");
    }
    /** Sixteen uint8 inputs of 2^59 elements and their Sum: 17 * 2^59 live bytes while Sum runs, past a long. */
    @Test
    void activationMemory_beyondALong_isTooLarge_notAWrappedPeak() {
        List<Onnx.ValueInfoProto> inputs = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            inputs.add(TinyModels.value("x" + i, ElementType.UINT8, 1L << 59));
        }
        Onnx.ModelProto model = TinyModels.model(13, inputs, List.of(),
                List.of(node("Sum", inputs.stream().map(Onnx.ValueInfoProto::getName).toList(), List.of("y"))), "y");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> inspect(model))
                .isInstanceOfSatisfying(ModelFormatException.class,
                        e -> assertThat(e.code()).isEqualTo(ModelFormatException.Code.TOO_LARGE));
    }
}
