package dev.outpost.model;

import static dev.outpost.model.TinyModels.floats;
import static dev.outpost.model.TinyModels.int64s;
import static dev.outpost.model.TinyModels.integer;
import static dev.outpost.model.TinyModels.node;
import static dev.outpost.model.TinyModels.value;
import static dev.outpost.model.TinyModels.zeros;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.proto.Onnx;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rules of the quantized and remaining operators (dynamic quantization, integer conv/matmul,
 * com.microsoft QLinear ops, Expand, ArgMax, Upsample, Cast, BatchNormalization, global pooling),
 * checked against the shapes ONNX Runtime produces, and the quantization forms they give a model.
 */
class QuantizedRulesTest {

    private static Onnx.ModelProto withMicrosoftDomain(Onnx.ModelProto model) {
        return model.toBuilder().addOpsetImport(Onnx.OperatorSetIdProto.newBuilder()
                .setDomain("com.microsoft").setVersion(1)).build();
    }

    private static Onnx.NodeProto microsoft(Onnx.NodeProto node) {
        return node.toBuilder().setDomain("com.microsoft").build();
    }

    private static void assertAgreesWithOrt(Onnx.ModelProto model, InferredTypes types) {
        List<String> outputs = model.getGraph().getOutputList().stream().map(Onnx.ValueInfoProto::getName).toList();
        Map<String, long[]> actual = OrtRuns.runtimeShapes(model, outputs, 2);
        for (String output : outputs) {
            long[] expected = types.get(output).shape().dims().stream()
                    .mapToLong(dim -> dim.isKnown() ? dim.value() : 2).toArray();
            assertThat(actual.get(output)).as(output + " in ORT").containsExactly(expected);
        }
    }

    @Test
    void dynamic_quantization_with_matmul_integer_and_conv_integer() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", "N", 4), value("img", ElementType.UINT8, 1, 2, 5, 5)),
                List.of(zeros("w", ElementType.UINT8, 4, 3), zeros("k", ElementType.UINT8, 6, 2, 3, 3)),
                List.of(node("DynamicQuantizeLinear", List.of("x"), List.of("q", "scale", "zero")),
                        node("MatMulInteger", List.of("q", "w", "zero"), List.of("mm")),
                        node("ConvInteger", List.of("img", "k"), List.of("conv"))),
                "q", "scale", "zero", "mm", "conv");

        InferredTypes types = ShapeInference.infer(model);

        assertThat(List.of("q", "scale", "zero", "mm", "conv")).map(name -> types.get(name).toString())
                .containsExactly("uint8[N,4]", "float[]", "uint8[]", "int32[N,3]", "int32[1,6,3,3]");
        assertAgreesWithOrt(model, types);
        assertThat(Inspector.quantizationForm(model.getGraph())).isEqualTo(ModelReport.QuantizationForm.DYNAMIC_INT8);
    }

    @Test
    void qlinear_conv_matmul_and_microsoft_qlinear_ops() {
        Onnx.ModelProto model = withMicrosoftDomain(TinyModels.model(13,
                List.of(value("x", ElementType.UINT8, 1, 2, 6, 6), value("a", ElementType.UINT8, 3, 4)),
                List.of(TinyModels.scalar("s", 0.5f), zeros("z", ElementType.UINT8), zeros("w", ElementType.UINT8, 4, 2, 3, 3),
                        zeros("b", ElementType.UINT8, 4, 5)),
                List.of(node("QLinearConv", List.of("x", "s", "z", "w", "s", "z", "s", "z"), List.of("conv")),
                        node("QLinearMatMul", List.of("a", "s", "z", "b", "s", "z", "s", "z"), List.of("mm")),
                        microsoft(node("QLinearMul", List.of("conv", "s", "z", "conv", "s", "z", "s", "z"), List.of("mul"))),
                        microsoft(node("QLinearConcat", List.of("s", "z", "conv", "s", "z", "mul", "s", "z"),
                                List.of("cat"), integer("axis", 1))),
                        microsoft(node("QLinearGlobalAveragePool", List.of("cat", "s", "z", "s", "z"), List.of("pool")))),
                "mm", "cat", "pool"));

        InferredTypes types = ShapeInference.infer(model);

        assertThat(List.of("conv", "mm", "mul", "cat", "pool")).map(name -> types.get(name).toString())
                .containsExactly("uint8[1,4,4,4]", "uint8[3,5]", "uint8[1,4,4,4]", "uint8[1,8,4,4]", "uint8[1,8,1,1]");
        assertAgreesWithOrt(model, types);
        assertThat(Inspector.quantizationForm(model.getGraph())).isEqualTo(ModelReport.QuantizationForm.QOPERATOR_INT8);
    }

    @Test
    void qdq_together_with_qoperator_is_mixed() {
        Onnx.ModelProto model = TinyModels.model(13, List.of(floats("x", 1, 4), value("a", ElementType.UINT8, 3, 4)),
                List.of(zeros("wq", ElementType.INT8, 4, 2), TinyModels.scalar("s", 0.5f), zeros("z", ElementType.INT8),
                        zeros("zu", ElementType.UINT8), zeros("b", ElementType.UINT8, 4, 5)),
                List.of(node("DequantizeLinear", List.of("wq", "s", "z"), List.of("w")),
                        node("MatMul", List.of("x", "w"), List.of("y")),
                        node("QLinearMatMul", List.of("a", "s", "zu", "b", "s", "zu", "s", "zu"), List.of("mm"))), "y", "mm");

        assertThat(Inspector.quantizationForm(model.getGraph())).isEqualTo(ModelReport.QuantizationForm.MIXED);
        ModelReport report = Inspector.inspect(model, ShapeInference.infer(model));
        // Scales and zero points: s (1) + z (1) + zu (1); int8 weights and uint8 B count as parameters too.
        assertThat(report.parameters().quantizationParameters()).isEqualTo(new ModelReport.Totals(3, 6));
        assertThat(report.parameters().total()).isEqualTo(new ModelReport.Totals(8 + 1 + 1 + 1 + 20, 8 + 4 + 1 + 1 + 20));
    }

    @Test
    void expand_argmax_upsample_cast_batch_norm_and_global_max_pool() {
        Onnx.ModelProto model = TinyModels.model(9, List.of(floats("x", "N", 3, 1, 4)),
                List.of(int64s("to", 2, 1, 5, 1), TinyModels.float32s("scales", 1, 1, 2, 3),
                        zeros("gamma", ElementType.FLOAT, 3), zeros("beta", ElementType.FLOAT, 3),
                        zeros("mean", ElementType.FLOAT, 3), TinyModels.float32s("var", 1, 1, 1)),
                List.of(node("Expand", List.of("x", "to"), List.of("e")),
                        node("ArgMax", List.of("x"), List.of("arg"), integer("axis", -1), integer("keepdims", 0)),
                        node("Upsample", List.of("x", "scales"), List.of("up")),
                        node("Cast", List.of("x"), List.of("half"), integer("to", ElementType.FLOAT16.code())),
                        node("BatchNormalization", List.of("x", "gamma", "beta", "mean", "var"), List.of("bn")),
                        node("GlobalMaxPool", List.of("x"), List.of("gmp"))),
                "e", "arg", "up", "half", "bn", "gmp");

        InferredTypes types = ShapeInference.infer(model);

        assertThat(List.of("e", "arg", "up", "half", "bn", "gmp")).map(name -> types.get(name).toString())
                .containsExactly("float[2,3,5,4]", "int64[N,3,1]", "float[N,3,2,12]", "float16[N,3,1,4]",
                        "float[N,3,1,4]", "float[N,3,1,1]");
        assertAgreesWithOrt(model, types);
    }
}
