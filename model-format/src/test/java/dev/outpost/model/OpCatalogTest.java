package dev.outpost.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.OpSchema.AttributeSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OpCatalogTest {

    @Test
    void everyOperatorUsedByTheSharedModels_hasATypedEntry_34InAll() {
        Set<String> used = new TreeSet<>();
        Fixtures.allModels().forEach(file -> {
            for (Node node : OnnxModel.read(file).graph().nodes()) {
                used.add(OpCatalog.displayDomain(node.domain()) + ":" + node.opType());
                assertThat(node.op()).as("%s in %s", node.opType(), file.getFileName()).isPresent();
            }
        });
        org.junit.jupiter.api.Assumptions.assumeFalse(used.isEmpty(), "no shared models");
        assertThat(used).hasSize(34).contains("com.microsoft:QLinearAdd", "ai.onnx:QLinearConv", "ai.onnx:Resize");
    }

    @Test
    void nodesOfTheSharedModels_conformToTheSchema_whereTheModelsOpsetIsRecentEnough() {
        List<String> violations = new ArrayList<>();
        int checked = 0;
        for (Path file : Fixtures.allModels().toList()) {
            OnnxModel model = OnnxModel.read(file);
            for (Node node : model.graph().nodes()) {
                OpSchema schema = node.op().orElseThrow().schema();
                if (model.opsetVersion(node.domain()).orElse(0) < schema.sinceVersion()) {
                    continue;
                }
                checked++;
                String where = file.getFileName() + " " + node.label() + " vs " + schema.signature();
                if (node.inputCount() < schema.minInputs() || node.inputCount() > schema.maxInputs()) {
                    violations.add(where + ": " + node.inputCount() + " inputs");
                }
                if (node.outputCount() < schema.minOutputs() || node.outputCount() > schema.maxOutputs()) {
                    violations.add(where + ": " + node.outputCount() + " outputs");
                }
                node.attributes().forEach((name, value) -> {
                    var spec = schema.attribute(name);
                    if (spec.isEmpty()) {
                        violations.add(where + ": unknown attribute " + name);
                    } else if (Attributes.inferType(value) != spec.get().type()) {
                        violations.add(where + ": attribute " + name + " is " + Attributes.inferType(value));
                    }
                });
                schema.attributes().stream().filter(AttributeSpec::required)
                        .filter(spec -> !node.hasAttribute(spec.name()))
                        .forEach(spec -> violations.add(where + ": missing " + spec.name()));
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(checked > 0, "no shared models");
        assertThat(violations).isEmpty();
        assertThat(checked).isGreaterThan(2000);
    }

    @Test
    void building_withWrongArity_namesTheSignatureWhatWasExpectedAndReceived() {
        Graph graph = GraphTest.chain().graph();
        assertThatThrownBy(() -> graph.add(Op.CONV, List.of("x"), List.of("c"), Map.of()))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_MODEL))
                .hasMessageContaining("Building Conv(2..3 inputs) -> 1: expected 2..3 inputs, received 1 [x]");
        assertThatThrownBy(() -> graph.add(Op.RELU, List.of("x"), List.of("c", "d"), Map.of()))
                .hasMessageContaining("Building Relu(1 input) -> 1: expected 1 outputs, received 2");
    }

    @Test
    void building_checksRequiredAttributesNamesAndTypes() {
        Graph graph = GraphTest.chain().graph();
        assertThatThrownBy(() -> graph.add(Op.MAX_POOL, List.of("x"), List.of("p"), Map.of()))
                .hasMessageContaining("Building MaxPool(1 input) -> 1..2: expected required attribute 'kernel_shape' (INTS)");
        assertThatThrownBy(() -> graph.add(Op.CONV, List.of("x", "w"), List.of("c"), Map.of("group", 1.5f)))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_MODEL))
                .hasMessageContaining("expected attribute 'group' of type INT, received FLOAT");
        assertThatThrownBy(() -> graph.add(Op.CONV, List.of("x", "w"), List.of("c"), Map.of("kernel", new long[] {3})))
                .hasMessageContaining("unexpected attribute 'kernel'; expected one of [auto_pad, dilations, group");
        Node conv = graph.add(Op.CONV, List.of("x", "w"), List.of("c"),
                Map.of("kernel_shape", new long[] {3, 3}, "group", 1, "pads", new int[] {1, 1, 1, 1}));
        assertThat(conv.attributeInts("kernel_shape")).containsExactly(3, 3);
        assertThat(conv.attributeInt("group", 0)).isEqualTo(1);
        assertThat(conv.attributeInts("pads")).containsExactly(1, 1, 1, 1);
        assertThatThrownBy(() -> conv.setAttribute("strides", "2"))
                .hasMessageContaining("expected attribute 'strides' of type INTS, received STRING");
    }

    @Test
    void unknownOperators_areUnknownOperator_withSuggestions() {
        assertThatThrownBy(() -> GraphTest.chain().graph().add("Convolution", List.of("x"), List.of("c"), Map.of()))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.UNKNOWN_OPERATOR))
                .hasMessageContaining("'Convolution' in domain 'ai.onnx'").hasMessageContaining("Conv");
        assertThat(OpCatalog.find("ai.onnx", "Conv")).contains(Op.CONV);
        assertThat(OpCatalog.find("com.microsoft", "FusedConv")).contains(Op.MS_FUSED_CONV);
        assertThat(OpCatalog.isKnown("", "RoiAlign")).isTrue();
        assertThat(OpCatalog.isKnown("", "Frobnicate")).isFalse();
    }

    @Test
    void building_aMicrosoftOp_importsItsDomain_andANewerOpThanTheOpsetIsRefused() {
        OnnxModel model = OnnxModel.create("g", 13);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, 4));
        graph.add(Op.MS_QUICK_GELU, List.of("x"), List.of("y"), Map.of("alpha", 1.702f));
        assertThat(model.opsetImports()).containsEntry("com.microsoft", 1L);
        assertThatThrownBy(() -> graph.add(Op.GELU, List.of("x"), List.of("z"), Map.of()))
                .hasMessageContaining("Building Gelu(1 input) -> 1: this schema needs opset >= 20 of ai.onnx, the model imports 13");
    }

    @Test
    void catalog_coversTheCommonVisionTransformerAndQuantizationOps() {
        for (String op : List.of("Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool",
                "BatchNormalization", "Add", "Mul", "Relu", "Clip", "Sigmoid", "Concat", "Reshape", "Transpose", "Flatten",
                "Resize", "Softmax", "Slice", "Split", "Squeeze", "Unsqueeze", "Gather", "QuantizeLinear",
                "DequantizeLinear", "QLinearConv", "MatMulInteger", "DynamicQuantizeLinear", "Cast", "Shape", "Constant",
                "LayerNormalization", "Erf", "Where", "Expand")) {
            assertThat(OpCatalog.find("", op)).as(op).isPresent();
        }
        for (String op : List.of("QLinearAdd", "QLinearGlobalAveragePool", "FusedConv", "FusedGemm", "QLinearConcat",
                "MatMulIntegerToFloat", "SkipLayerNormalization", "Attention")) {
            assertThat(OpCatalog.find("com.microsoft", op)).as(op).isPresent();
        }
        assertThat(Op.values().length).isGreaterThan(140);
    }
}
