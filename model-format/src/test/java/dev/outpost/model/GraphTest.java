package dev.outpost.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.ModelProto;
import dev.outpost.model.proto.Onnx.TensorProto;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GraphTest {

    static Stream<Path> sharedModels() {
        return Fixtures.allModels();
    }

    /** x[1,4] -> Relu -> a -> Neg -> b -> Exp -> y, plus initializer w unused. */
    static OnnxModel chain() {
        OnnxModel model = OnnxModel.create("chain", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 1, 4));
        graph.add(Op.RELU, List.of("x"), List.of("a"), Map.of());
        graph.add(Op.NEG, List.of("a"), List.of("b"), Map.of());
        graph.add(Op.EXP, List.of("b"), List.of("y"), Map.of());
        graph.addOutput(ValueInfo.of("y", ElementType.FLOAT, 1, 4));
        return model;
    }

    @ParameterizedTest
    @MethodSource("sharedModels")
    void producersAndConsumers_agreeWithNodeWiring_andOrderIsTopological(Path file) {
        Graph graph = OnnxModel.read(file).graph();
        for (Node node : graph.nodes()) {
            for (String output : node.outputs()) {
                if (!output.isEmpty()) {
                    assertThat(graph.producer(output)).contains(node);
                }
            }
            for (String input : node.inputs()) {
                if (!input.isEmpty()) {
                    assertThat(graph.consumers(input)).contains(node);
                }
            }
        }
        assertThat(graph.topologicalOrder()).containsExactlyElementsOf(graph.nodes());
    }

    @Test
    void rename_updatesProducersConsumersOutputsAndValueInfos_andOrtStillRuns() throws Exception {
        OnnxModel model = chain();
        Graph graph = model.graph();
        graph.setValueInfo(ValueInfo.of("a", ElementType.FLOAT, 1, 4));
        Node relu = graph.producer("a").orElseThrow();

        graph.rename("a", "relu_out");
        graph.rename("y", "result");

        assertThat(relu.output(0)).isEqualTo("relu_out");
        assertThat(graph.consumers("relu_out")).extracting(Node::opType).containsExactly("Neg");
        assertThat(graph.consumers("a")).isEmpty();
        assertThat(graph.valueInfo("relu_out")).isPresent();
        assertThat(graph.outputs()).extracting(ValueInfo::name).containsExactly("result");
        assertThat(model.validate()).isEmpty();
        Map<String, float[]> out = OrtRunner.run(model.toBytes(),
                Map.of("x", new OrtRunner.Input(new float[] {-1, 0, 1, 2}, 1, 4)));
        assertThat(out.get("result")).containsExactly(new float[] {1, 1, (float) Math.exp(-1), (float) Math.exp(-2)},
                within(1e-6f));
    }

    @Test
    void rename_ontoAnExistingName_isRefused() {
        Graph graph = chain().graph();
        assertThatThrownBy(() -> graph.rename("a", "b"))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_EDIT))
                .hasMessageContaining("'b' already exists").hasMessageContaining("Neg");
        assertThatThrownBy(() -> graph.rename("missing", "z"))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_EDIT));
    }

    @Test
    void rename_reachesIntoSubgraphsThatReadTheTensorFromOuterScope() throws Exception {
        OnnxModel model = OnnxModel.create("outer", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 2));
        graph.addInitializer("cond", TensorData.ofBytes(ElementType.BOOL, new byte[] {1}));
        graph.add(Op.RELU, List.of("x"), List.of("r"), Map.of());
        OnnxModel thenModel = OnnxModel.create("then", 17);
        thenModel.graph().add(Op.NEG, List.of("r"), List.of("t_out"), Map.of());
        thenModel.graph().addOutput(new ValueInfo("t_out", ElementType.FLOAT, Shape.unknownRank()));
        OnnxModel elseModel = OnnxModel.create("else", 17);
        elseModel.graph().add(Op.IDENTITY, List.of("r"), List.of("e_out"), Map.of());
        elseModel.graph().addOutput(new ValueInfo("e_out", ElementType.FLOAT, Shape.unknownRank()));
        graph.add(Op.IF, List.of("cond"), List.of("y"),
                Map.of("then_branch", thenModel.graph(), "else_branch", elseModel.graph()));
        graph.addOutput(new ValueInfo("y", ElementType.FLOAT, Shape.unknownRank()));

        assertThat(graph.consumers("r")).extracting(Node::opType).containsExactly("If");
        graph.rename("r", "relu_x");

        Graph thenBranch = (Graph) graph.nodes(Op.IF).get(0).attribute("then_branch").orElseThrow();
        assertThat(thenBranch.nodes().get(0).inputs()).containsExactly("relu_x");
        thenBranch.nodes().get(0).setInput(0, "x");
        assertThat(graph.consumers("x")).extracting(Node::opType).containsExactly("Relu", "If");
        thenBranch.nodes().get(0).setInput(0, "relu_x");
        assertThat(model.validate()).isEmpty();
        Map<String, float[]> out = OrtRunner.run(model.toBytes(), Map.of("x", new OrtRunner.Input(new float[] {-2, 3}, 2)));
        assertThat(out.get("y")).containsExactly(-0f, -3f);
    }

    @Test
    void insertAfter_rewiresConsumers_keepsGraphOutputs_andRuns() throws Exception {
        OnnxModel model = chain();
        Graph graph = model.graph();
        Node sigmoid = graph.insertAfter("a", Op.SIGMOID, List.of(), "a_sig", Map.of());

        assertThat(graph.consumers("a")).containsExactly(sigmoid);
        assertThat(graph.consumers("a_sig")).extracting(Node::opType).containsExactly("Neg");
        assertThat(graph.nodes()).extracting(Node::opType).containsExactly("Relu", "Sigmoid", "Neg", "Exp");
        assertThat(model.validate()).isEmpty();
        float[] y = OrtRunner.run(model.toBytes(), Map.of("x", new OrtRunner.Input(new float[] {0, 1, 2, 3}, 1, 4))).get("y");
        for (int i = 0; i < 4; i++) {
            assertThat(y[i]).isCloseTo((float) Math.exp(-1 / (1 + Math.exp(-i))), within(1e-6f));
        }
    }

    @Test
    void insertBefore_putsADequantizeLinearInFrontOfAConvWeight_andOrtAgrees() throws Exception {
        OnnxModel model = OnnxModel.read(Fixtures.model("mnist_cntk.onnx"));
        byte[] before = model.toBytes();
        Graph graph = model.graph();
        Node conv = graph.nodes(Op.CONV).get(0);
        Initializer weight = graph.initializer(conv.input(1)).orElseThrow();
        String weightName = weight.name();
        float[] w = weight.floats();
        float max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        float scale = max / 127f;
        byte[] quantized = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            quantized[i] = (byte) Math.round(w[i] / scale);
        }
        graph.addInitializer("w_q", TensorData.ofBytes(ElementType.INT8, quantized, weight.dims()));
        graph.addInitializer("w_scale", TensorData.scalar(scale));
        model.setOpsetImport("", 13);
        graph.insertBefore(conv, 1, Op.DEQUANTIZE_LINEAR, List.of("w_scale"), "w_dq", Map.of());
        graph.nodes(Op.DEQUANTIZE_LINEAR).get(0).setInput(0, "w_q");
        assertThat(graph.removeUnusedInitializers()).isEqualTo(1);

        assertThat(conv.input(1)).isEqualTo("w_dq");
        assertThat(graph.initializer(weightName)).isEmpty();
        assertThatThrownBy(weight::floats).isInstanceOf(IllegalStateException.class);
        assertThat(model.validate()).filteredOn(Problem::isError).isEmpty();
        float[] image = OrtRunner.ramp(28 * 28);
        float[] expected = OrtRunner.run(before, Map.of("Input3", new OrtRunner.Input(image, 1, 1, 28, 28))).values()
                .iterator().next();
        float[] actual = OrtRunner.run(model.toBytes(), Map.of("Input3", new OrtRunner.Input(image, 1, 1, 28, 28)))
                .values().iterator().next();
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(0.05f * Math.max(1, Math.abs(expected[i]))));
        }
    }

    @Test
    void bypass_removesDropoutFromSqueezeNet_andOutputsStayTheSame() throws Exception {
        OnnxModel model = OnnxModel.read(Fixtures.model("squeezenet1.0-fp32.onnx"));
        byte[] before = model.toBytes();
        Graph graph = model.graph();
        int count = graph.nodes().size();
        graph.bypass(graph.nodes(Op.DROPOUT).get(0));

        assertThat(graph.nodes()).hasSize(count - 1);
        assertThat(graph.nodes(Op.DROPOUT)).isEmpty();
        assertThat(model.validate()).filteredOn(Problem::isError).isEmpty();
        float[] image = OrtRunner.ramp(3 * 224 * 224);
        Map<String, OrtRunner.Input> inputs = Map.of("data_0", new OrtRunner.Input(image, 1, 3, 224, 224));
        assertThat(OrtRunner.run(model.toBytes(), inputs).get("softmaxout_1"))
                .containsExactly(OrtRunner.run(before, inputs).get("softmaxout_1"), within(1e-6f));
    }

    @Test
    void bypass_ofANodeWritingAGraphOutput_letsItsInputsProducerWriteTheOutput() throws Exception {
        OnnxModel model = chain();
        Graph graph = model.graph();
        graph.setValueInfo(ValueInfo.of("b", ElementType.FLOAT, 1, 4));
        graph.bypass(graph.producer("y").orElseThrow());

        assertThat(graph.nodes()).extracting(Node::opType).containsExactly("Relu", "Neg");
        assertThat(graph.producer("y").orElseThrow().opType()).isEqualTo("Neg");
        assertThat(graph.hasTensor("b")).isFalse();
        assertThat(graph.outputs()).containsExactly(ValueInfo.of("y", ElementType.FLOAT, 1, 4));
        assertThat(model.validate()).isEmpty();
        float[] x = {-2, -1, 1, 2};
        assertThat(OrtRunner.run(model.toBytes(), Map.of("x", new OrtRunner.Input(x, 1, 4))).get("y"))
                .containsExactly(-0f, -0f, -1f, -2f);
    }

    @Test
    void bypass_refusesWhenInputAndOutputAreBothGraphOutputs_andLeavesTheGraphAsItWas() {
        OnnxModel model = chain();
        Graph graph = model.graph();
        graph.addOutput(ValueInfo.of("b", ElementType.FLOAT, 1, 4));
        Node exp = graph.producer("y").orElseThrow();

        assertThatThrownBy(() -> graph.bypass(exp)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("INVALID_EDIT").hasMessageContaining("'b' and its output 'y' are both graph outputs");
        assertThat(graph.nodes()).extracting(Node::opType).containsExactly("Relu", "Neg", "Exp");
    }

    @Test
    void remove_leavesConsumersDangling_whichValidationReports() {
        OnnxModel model = chain();
        Graph graph = model.graph();
        Node neg = graph.producer("b").orElseThrow();
        graph.remove(neg);

        assertThat(graph.nodes()).extracting(Node::opType).containsExactly("Relu", "Exp");
        assertThatThrownBy(neg::name).isInstanceOf(IllegalStateException.class).hasMessageContaining("removed");
        assertThat(model.validate()).extracting(Problem::code).containsExactly(Code.DANGLING_INPUT);
    }

    @Test
    void add_placesANodeBeforeExistingReaders_soStoredOrderStaysTopological() {
        OnnxModel model = chain();
        Graph graph = model.graph();
        Node exp = graph.producer("y").orElseThrow();
        exp.setInput(0, "b2");
        graph.add(Op.ABS, List.of("b"), List.of("b2"), Map.of());

        assertThat(graph.nodes()).extracting(Node::opType).containsExactly("Relu", "Neg", "Abs", "Exp");
        assertThat(model.validate()).isEmpty();
    }

    @Test
    void add_outputThatIsAlreadyProduced_isRefused() {
        Graph graph = chain().graph();
        assertThatThrownBy(() -> graph.add(Op.RELU, List.of("x"), List.of("b"), Map.of()))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_EDIT))
                .hasMessageContaining("'b' already exists");
    }

    @Test
    void initializers_readRawAndTypedData_andWidenFloat16() {
        OnnxModel fp16 = OnnxModel.read(Fixtures.model("squeezenet1.0-fp16.onnx"));
        OnnxModel fp32 = OnnxModel.read(Fixtures.model("squeezenet1.0-fp32.onnx"));
        for (Initializer half : fp16.graph().initializers()) {
            assertThat(half.elementType()).isEqualTo(ElementType.FLOAT16);
            Initializer single = fp32.graph().initializer(half.name()).orElseThrow();
            assertThat(half.floats()).isEqualTo(single.floats());
        }

        ModelProto typed = ModelProto.newBuilder().setIrVersion(8).setGraph(
                dev.outpost.model.proto.Onnx.GraphProto.newBuilder().setName("g")
                        .addInitializer(TensorProto.newBuilder().setName("f").setDataType(1).addDims(2)
                                .addFloatData(1.5f).addFloatData(-2f))
                        .addInitializer(TensorProto.newBuilder().setName("l").setDataType(7).addDims(3)
                                .addInt64Data(1).addInt64Data(-2).addInt64Data(3_000_000_000L))
                        .addInitializer(TensorProto.newBuilder().setName("i8").setDataType(3).addDims(2)
                                .addInt32Data(-128).addInt32Data(127))
                        .addInitializer(TensorProto.newBuilder().setName("h").setDataType(10).addDims(1)
                                .addInt32Data(Float.floatToFloat16(0.333f) & 0xffff)))
                .build();
        Graph graph = OnnxModel.wrap(typed).graph();
        assertThat(graph.initializer("f").orElseThrow().floats()).containsExactly(1.5f, -2f);
        assertThat(graph.initializer("l").orElseThrow().longs()).containsExactly(1, -2, 3_000_000_000L);
        assertThat(graph.initializer("i8").orElseThrow().ints()).containsExactly(-128, 127);
        assertThat(graph.initializer("i8").orElseThrow().bytes()).containsExactly((byte) -128, (byte) 127);
        assertThat(graph.initializer("h").orElseThrow().floats()[0]).isCloseTo(0.333f, within(1e-3f));
        assertThatThrownBy(() -> graph.initializer("l").orElseThrow().floats())
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("int64");
    }

    @Test
    void initializers_withTheWrongNumberOfTypedValuesOrAnOverflowingSize_areInvalidModel_neverARawJavaError() {
        ModelProto model = ModelProto.newBuilder().setIrVersion(8).setGraph(
                dev.outpost.model.proto.Onnx.GraphProto.newBuilder().setName("g")
                        .addInitializer(TensorProto.newBuilder().setName("f").setDataType(1).addDims(2)
                                .addFloatData(1).addFloatData(2).addFloatData(3))
                        .addInitializer(TensorProto.newBuilder().setName("u8").setDataType(2).addDims(2)
                                .addInt32Data(1).addInt32Data(2).addInt32Data(3))
                        .addInitializer(TensorProto.newBuilder().setName("c").setDataType(14).addDims(1)
                                .addFloatData(1).addFloatData(2).addFloatData(3))
                        .addInitializer(TensorProto.newBuilder().setName("i4").setDataType(22).addDims(3)
                                .addInt32Data(0x21).addInt32Data(0x03))
                        .addInitializer(TensorProto.newBuilder().setName("huge").setDataType(1).addDims(1L << 62)
                                .setRawData(com.google.protobuf.ByteString.EMPTY))
                        .addInitializer(TensorProto.newBuilder().setName("overflow").setDataType(1)
                                .addDims(1L << 40).addDims(1L << 40)))
                .build();
        Graph graph = OnnxModel.wrap(model).graph();

        assertThatThrownBy(() -> graph.initializer("f").orElseThrow().floats()).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("INVALID_MODEL").hasMessageContaining("needs 2 values in float_data, has 3");
        assertThatThrownBy(() -> graph.initializer("u8").orElseThrow().bytes()).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("needs 2 values in int32_data, has 3");
        assertThatThrownBy(() -> graph.initializer("c").orElseThrow().bytes()).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("needs 2 values in float_data, has 3");
        assertThat(graph.initializer("i4").orElseThrow().bytes()).containsExactly(0x21, 0x03);
        assertThatThrownBy(() -> graph.initializer("huge").orElseThrow().bytes()).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("INVALID_MODEL").hasMessageContaining("size in bytes overflows a long");
        assertThatThrownBy(() -> graph.initializer("overflow").orElseThrow().byteSize())
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("element count overflows a long");
    }

    @Test
    void initializerSet_isWrittenAsRawData() {
        OnnxModel model = OnnxModel.read(Fixtures.model("mnist_cntk.onnx"));
        Initializer first = model.graph().initializers().get(0);
        String name = first.name();
        long[] dims = first.dims();
        float[] values = first.floats();
        for (int i = 0; i < values.length; i++) {
            values[i] = values[i] * 2;
        }
        first.set(TensorData.ofFloats(values, dims));

        Initializer reread = OnnxModel.read(model.toBytes()).graph().initializer(name).orElseThrow();
        assertThat(reread.floats()).isEqualTo(values);
        assertThat(reread.dims()).containsExactly(dims);
    }

    @Test
    void subgraphsAndUnmodelledParts_surviveEditsElsewhere() throws Exception {
        OnnxModel model = OnnxModel.create("outer", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("x", ElementType.FLOAT, 2));
        graph.addInitializer("cond", TensorData.ofBytes(ElementType.BOOL, new byte[] {0}));
        OnnxModel branch = OnnxModel.create("b", 17);
        branch.graph().add(Op.NEG, List.of("x"), List.of("n"), Map.of());
        branch.graph().addOutput(new ValueInfo("n", ElementType.FLOAT, Shape.unknownRank()));
        graph.add(Op.IF, List.of("cond"), List.of("y"), Map.of("then_branch", branch.graph(), "else_branch", branch.graph()));
        graph.addOutput(new ValueInfo("y", ElementType.FLOAT, Shape.unknownRank()));
        byte[] branchBytes = ModelProto.parseFrom(model.toBytes()).getGraph().getNode(0).getAttribute(0).getG().toByteArray();

        graph.insertAfter("x", Op.RELU, List.of(), "x_relu", Map.of());

        ModelProto written = ModelProto.parseFrom(model.toBytes());
        assertThat(written.getGraph().getNode(1).getAttribute(0).getG().toByteArray()).isNotEqualTo(branchBytes);
        assertThat(written.getGraph().getNode(1).getAttribute(0).getG().getNode(0).getInput(0)).isEqualTo("x_relu");
        assertThat(OrtRunner.run(model.toBytes(), Map.of("x", new OrtRunner.Input(new float[] {-1, 2}, 2))).get("y"))
                .containsExactly(-0f, -2f);
    }
}
