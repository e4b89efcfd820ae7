package dev.outpost.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import dev.outpost.model.ModelFormatException.Code;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sequence and map values, the sequence and ZipMap catalog entries, custom-domain nodes and the model domain. */
class NonTensorValuesAndCustomOpsTest {

    /** x[1,3] -> SequenceConstruct(x, x) -> pair; scores[2,3] -> ZipMap(int64 labels) -> probabilities. */
    private static OnnxModel sequenceAndZipMap() {
        OnnxModel model = OnnxModel.create("seq_and_zipmap", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, 3));
        graph.addInput(ValueInfo.of("scores", ElementType.FLOAT, 2, 3));
        graph.add(Op.SEQUENCE_CONSTRUCT, List.of("x", "x"), List.of("pair"), Map.of());
        graph.add(Op.ML_ZIP_MAP, List.of("scores"), List.of("probabilities"),
                Map.of("classlabels_int64s", new long[] {10, 20, 30}));
        graph.addOutput("pair", ValueType.sequenceOf(ValueType.tensor(ElementType.FLOAT, Shape.unknownRank())));
        graph.addOutput("probabilities", ValueType.sequenceOf(
                ValueType.mapOf(ElementType.INT64, ValueType.tensor(ElementType.FLOAT))));
        return model;
    }

    @Test
    void valueTypes_areSpelledAsOnnxDoes_andMapKeysMustBeIntegralOrString() {
        assertThat(ValueType.sequenceOf(ValueType.mapOf(ElementType.STRING, ValueType.tensor(ElementType.FLOAT))))
                .hasToString("seq(map(string,tensor(float)))");
        assertThat(ValueType.sequenceOf(ValueType.tensor(ElementType.FLOAT16, 2, 2))).hasToString("seq(tensor(float16))");
        assertThatThrownBy(() -> ValueType.mapOf(ElementType.FLOAT, ValueType.tensor(ElementType.FLOAT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A map key type is float; expected string or an integral type (int8..int64, uint8..uint64)");
    }

    @Test
    void sequenceAndMapOutputs_surviveWritingAndReading_andOrtSeesTheirTypes() throws Exception {
        OnnxModel model = sequenceAndZipMap();
        assertThat(model.validate()).as("ZipMap and SequenceConstruct are typed, so not even a warning").isEmpty();
        assertThat(model.opsetImports()).containsEntry(OpCatalog.ML_DOMAIN, 1L);

        Graph read = OnnxModel.read(model.toBytes()).graph();
        assertThat(read.valueType("pair")).contains(
                ValueType.sequenceOf(ValueType.tensor(ElementType.FLOAT, Shape.unknownRank())));
        assertThat(read.valueType("probabilities")).contains(
                ValueType.sequenceOf(ValueType.mapOf(ElementType.INT64, ValueType.tensor(ElementType.FLOAT))));
        assertThat(read.valueType("x")).contains(ValueType.tensor(ElementType.FLOAT, 1, 3));
        assertThat(read.valueType("nope")).isEmpty();
        assertThat(read.outputs()).extracting(ValueInfo::elementType)
                .as("the tensor view reads non-tensors as undefined").containsOnly(ElementType.UNDEFINED);

        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(model.toBytes(),
                new OrtSession.SessionOptions())) {
            SequenceInfo pair = (SequenceInfo) session.getOutputInfo().get("pair").getInfo();
            assertThat(pair.isSequenceOfMaps()).isFalse();
            assertThat(pair.sequenceType).isEqualTo(OnnxJavaType.FLOAT);
            SequenceInfo probabilities = (SequenceInfo) session.getOutputInfo().get("probabilities").getInfo();
            assertThat(probabilities.isSequenceOfMaps()).isTrue();
            MapInfo map = probabilities.mapInfo;
            assertThat(map.keyType).isEqualTo(OnnxJavaType.INT64);
            assertThat(map.valueType).isEqualTo(OnnxJavaType.FLOAT);
        }
    }

    @Test
    void addOutput_refusesEmptyAndRepeatedNames() {
        Graph graph = sequenceAndZipMap().graph();
        ValueType type = ValueType.sequenceOf(ValueType.tensor(ElementType.FLOAT));
        assertThatThrownBy(() -> graph.addOutput("pair", type))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_EDIT))
                .hasMessage("INVALID_EDIT: 'pair' is already an output of graph 'seq_and_zipmap'");
        assertThatThrownBy(() -> graph.addOutput("", type))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_EDIT))
                .hasMessageContaining("output of type seq(tensor(float))").hasMessageContaining("the name is empty");
    }

    @Test
    void zipMap_needsExactlyOneOfItsLabelAttributes() {
        Graph graph = sequenceAndZipMap().graph();
        assertThatThrownBy(() -> graph.add(Op.ML_ZIP_MAP, List.of("scores"), List.of("z"), Map.of()))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_MODEL))
                .hasMessageContaining("Building ai.onnx.ml:ZipMap(1 input) -> 1: expected exactly one of classlabels_int64s"
                        + " and classlabels_strings, received []");
        assertThatThrownBy(() -> graph.add(Op.ML_ZIP_MAP, List.of("scores"), List.of("z"),
                Map.of("classlabels_int64s", new long[] {1}, "classlabels_strings", List.of("a"))))
                .hasMessageContaining("expected exactly one of classlabels_int64s and classlabels_strings");
        assertThat(OpCatalog.find("ai.onnx.ml", "ZipMap")).contains(Op.ML_ZIP_MAP);
        assertThat(OpCatalog.find("", "SequenceAt")).contains(Op.SEQUENCE_AT);
        assertThat(OpCatalog.isKnown("", "ConcatFromSequence")).isTrue();
    }

    @Test
    void addCustom_buildsANodeOfAnUncataloguedDomain_importingIt_withAttributeTypesFromTheValues() {
        OnnxModel model = OnnxModel.create("custom", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 4));
        Node node = graph.addCustom("com.example", "Frobnicate", List.of("x"), List.of("y"),
                Map.of("strength", 3L, "mode", "hard", "weights", new float[] {0.5f, 2f}));
        graph.addOutput(ValueInfo.of("y", ElementType.FLOAT, 4));

        assertThat(node.domain()).isEqualTo("com.example");
        assertThat(node.opType()).isEqualTo("Frobnicate");
        assertThat(node.op()).isEmpty();
        assertThat(node.attributeInt("strength", 0)).isEqualTo(3);
        assertThat(node.attributeString("mode", "")).isEqualTo("hard");
        assertThat(node.attribute("weights")).hasValueSatisfying(v -> assertThat((float[]) v).containsExactly(0.5f, 2f));
        assertThat(model.opsetImports()).containsEntry("com.example", 1L);
        assertThat(graph.producer("y")).contains(node);
        assertThat(model.validate()).singleElement().satisfies(problem -> {
            assertThat(problem.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(problem.message()).contains("custom domain 'com.example'");
        });
    }

    @Test
    void addCustom_refusesCataloguedDomainsAndOperators_andBadNamesOrValues() {
        Graph graph = GraphTest.chain().graph();
        assertThatThrownBy(() -> graph.addCustom("", "Frobnicate", List.of("x"), List.of("f"), Map.of()))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_EDIT))
                .hasMessageContaining("Building custom operator :Frobnicate: expected a domain outside the catalog's, "
                        + "received ai.onnx");
        assertThatThrownBy(() -> graph.addCustom("com.microsoft", "Frobnicate", List.of("x"), List.of("f"), Map.of()))
                .hasMessageContaining("received com.microsoft");
        assertThatThrownBy(() -> graph.addCustom("ai.onnx.ml", "ZipMap", List.of("x"), List.of("f"), Map.of()))
                .hasMessageContaining("received ai.onnx.ml, whose operators are built through Op");
        assertThatThrownBy(() -> graph.addCustom("com.example", "Frobnicate", List.of("x"), List.of(), Map.of()))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_MODEL))
                .hasMessageContaining("at least one output");
        assertThatThrownBy(() -> graph.addCustom("com.example", "Frobnicate", List.of("x"), List.of("f"),
                Map.of("what", new Object())))
                .hasMessageContaining("attribute 'what' has a value of type Object");
        assertThatThrownBy(() -> graph.addCustom("com.example", "Frobnicate", List.of("x"), List.of("a"), Map.of()))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_EDIT))
                .hasMessageContaining("tensor 'a' already exists");
    }

    @Test
    void modelDomain_isWrittenAndReadBack() {
        OnnxModel model = GraphTest.chain();
        assertThat(model.domain()).isEmpty();
        model.setDomain("dev.outpost.test");
        assertThat(OnnxModel.read(model.toBytes()).domain()).isEqualTo("dev.outpost.test");
    }
}
