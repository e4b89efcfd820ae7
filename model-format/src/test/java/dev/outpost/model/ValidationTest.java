package dev.outpost.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.ModelProto;
import dev.outpost.model.proto.Onnx.NodeProto;
import dev.outpost.model.proto.Onnx.OperatorSetIdProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ValidationTest {

    @TempDir
    Path temp;

    static Stream<Path> sharedModels() {
        return Fixtures.allModels();
    }

    @ParameterizedTest
    @MethodSource("sharedModels")
    void everySharedModel_validatesClean(Path file) {
        OnnxModel model = OnnxModel.read(file);
        assertThat(model.validate()).isEmpty(); // not even warnings: all 15 use only catalog ops, stored in order
        model.validateOrThrow();
    }

    private static NodeProto node(String name, String op, String domain, String[] inputs, String... outputs) {
        return NodeProto.newBuilder().setName(name).setOpType(op).setDomain(domain)
                .addAllInput(Arrays.asList(inputs)).addAllOutput(Arrays.asList(outputs)).build();
    }

    private static OnnxModel model(NodeProto... nodes) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("g")
                .addInput(ValueInfo.of("x", ElementType.FLOAT, 1).toProto())
                .addOutput(ValueInfo.of("y", ElementType.FLOAT, 1).toProto());
        Arrays.stream(nodes).forEach(graph::addNode);
        return OnnxModel.wrap(ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.acme").setVersion(1))
                .setGraph(graph).build());
    }

    @Test
    void danglingInput_namesNodeAndTensor() {
        OnnxModel model = model(node("conv1", "Conv", "", new String[] {"x9", "x"}, "y"));
        assertThat(model.validate()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(Code.DANGLING_INPUT);
            assertThat(p.message()).contains("node 'conv1' (Conv) reads 'x9' which no node, input or initializer produces");
        });
        assertThatThrownBy(model::validateOrThrow)
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.DANGLING_INPUT));
    }

    @Test
    void cycle_namesTheNodesOnTheCycle() {
        OnnxModel model = model(
                node("start", "Relu", "", new String[] {"x"}, "s"),
                node("a", "Add", "", new String[] {"s", "c"}, "b_in"),
                node("b", "Neg", "", new String[] {"b_in"}, "c"),
                node("end", "Identity", "", new String[] {"c"}, "y"));
        assertThat(model.validate()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(Code.CYCLE);
            assertThat(p.message()).contains("'a' (Add) -> 'b' (Neg) -> 'a' (Add)").doesNotContain("start", "end");
        });
        assertThatThrownBy(() -> model.graph().topologicalOrder())
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.CYCLE))
                .hasMessageContaining("'a' (Add)").hasMessageContaining("'b' (Neg)");
    }

    @Test
    void duplicateOutput_namesBothProducers() {
        OnnxModel model = model(
                node("first", "Relu", "", new String[] {"x"}, "y"),
                node("second", "Neg", "", new String[] {"x"}, "y"));
        assertThat(model.validate()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(Code.DUPLICATE_OUTPUT);
            assertThat(p.message()).contains("tensor 'y' is written by node 'first' (Relu) and by node 'second' (Neg)");
        });
    }

    @Test
    void unimportedDomain_andUnknownOpInAKnownDomain_areErrors_customImportedDomainIsAWarning() {
        OnnxModel model = model(
                node("n1", "Relu", "org.other", new String[] {"x"}, "a"),
                node("n2", "Convolution", "", new String[] {"a"}, "b"),
                node("n3", "Frob", "com.acme", new String[] {"b"}, "y"));
        assertThat(model.validate()).extracting(Problem::severity, Problem::code).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Problem.Severity.ERROR, Code.UNKNOWN_OPERATOR),
                org.assertj.core.groups.Tuple.tuple(Problem.Severity.ERROR, Code.UNKNOWN_OPERATOR),
                org.assertj.core.groups.Tuple.tuple(Problem.Severity.WARNING, Code.UNKNOWN_OPERATOR));
        assertThat(model.validate().get(0).message()).contains("node 'n1' (org.other:Relu) uses domain 'org.other'");
        assertThat(model.validate().get(1).message()).contains("'Convolution', which domain 'ai.onnx' does not define");
    }

    @Test
    void outputNobodyProduces_isDangling() {
        OnnxModel model = model(node("n", "Relu", "", new String[] {"x"}, "z"));
        assertThat(model.validate()).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(Code.DANGLING_INPUT);
            assertThat(p.message()).contains("graph output 'y' is produced by no node");
        });
    }

    @Test
    void nodesStoredOutOfOrder_areAWarning_andSortTopologicallyFixesThemKeepingHandles() {
        OnnxModel model = model(
                node("second", "Neg", "", new String[] {"a"}, "y"),
                node("first", "Relu", "", new String[] {"x"}, "a"));
        assertThat(model.validate()).singleElement().satisfies(p -> {
            assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(p.message()).contains("node 'second' (Neg) reads 'a' before node 'first' (Relu) writes it");
        });
        model.validateOrThrow();
        Node second = model.graph().node("second").orElseThrow();

        model.graph().sortTopologically();

        assertThat(model.graph().nodes()).extracting(Node::name).containsExactly("first", "second");
        assertThat(second.inputs()).containsExactly("a");
        assertThat(model.graph().producer("y")).contains(second);
        assertThat(model.validate()).isEmpty();
    }

    @Test
    void check_reportsReadFailuresAsProblems() throws Exception {
        Path text = Files.writeString(temp.resolve("notes.onnx"), "just some notes, not a model");
        byte[] mnist = Files.readAllBytes(Fixtures.model("mnist_cntk.onnx"));
        Path cut = Files.write(temp.resolve("cut.onnx"), Arrays.copyOf(mnist, mnist.length - 100));

        assertThat(OnnxModel.check(text)).singleElement().extracting(Problem::code).isEqualTo(Code.NOT_ONNX);
        assertThat(OnnxModel.check(cut)).singleElement().satisfies(p -> {
            assertThat(p.code()).isEqualTo(Code.TRUNCATED);
            assertThat(p.message()).contains("file is " + (mnist.length - 100) + " bytes");
        });
        assertThat(OnnxModel.check(Fixtures.model("mnist_cntk.onnx"))).isEmpty();
    }
}
