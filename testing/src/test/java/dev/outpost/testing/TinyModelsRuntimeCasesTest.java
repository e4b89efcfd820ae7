package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import dev.outpost.model.ElementType;
import dev.outpost.model.ModelReport;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.Problem;
import dev.outpost.model.ValueInfo;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The models for runtime behaviour load in the real ONNX Runtime with the declared types and shapes, and compute. */
class TinyModelsRuntimeCasesTest {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private static OrtSession open(OnnxModel model) throws OrtException {
        return ENV.createSession(model.toBytes(), new OrtSession.SessionOptions());
    }

    private static TensorInfo tensorInfo(OrtSession session, String output) throws OrtException {
        return (TensorInfo) session.getOutputInfo().get(output).getInfo();
    }

    private static SequenceInfo sequenceInfo(OrtSession session, String output) throws OrtException {
        return (SequenceInfo) session.getOutputInfo().get(output).getInfo();
    }

    private static OnnxTensor floats(float[] values, long... shape) throws OrtException {
        return OnnxTensor.createTensor(ENV, FloatBuffer.wrap(values), shape);
    }

    private static float[] values(OnnxValue tensor) {
        FloatBuffer buffer = ((OnnxTensor) tensor).getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    static Stream<Arguments> runtimeCaseModels() {
        return Stream.of(
                Arguments.of("stringIdentity", (Supplier<OnnxModel>) TinyModels::stringIdentity),
                Arguments.of("reluAndSequence", (Supplier<OnnxModel>) () -> TinyModels.reluAndSequence(4)),
                Arguments.of("zipMap strings", (Supplier<OnnxModel>) () -> TinyModels.zipMapClassifier(List.of("a", "b"))),
                Arguments.of("zipMap int64", (Supplier<OnnxModel>) () -> TinyModels.zipMapClassifier(7, 8)),
                Arguments.of("dynamicAdd", (Supplier<OnnxModel>) TinyModels::dynamicAdd),
                Arguments.of("singleOp", (Supplier<OnnxModel>) () -> TinyModels.singleOp(Op.RELU, ElementType.BFLOAT16)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runtimeCaseModels")
    void runtimeCaseModels_validateWithoutProblems_andCanBeInspected(String name, Supplier<OnnxModel> build) {
        OnnxModel model = build.get();
        assertThat(model.validate()).extracting(Problem::message).isEmpty();
        ModelReport report = model.inspect();
        assertThat(report.outputs()).extracting(ModelReport.TensorSummary::name)
                .containsExactlyElementsOf(model.graph().outputs().stream().map(ValueInfo::name).toList());
        assertThat(report.opHistogram()).isNotEmpty();
    }

    @Test
    void stringIdentity_echoesStrings_withASymbolicLength() throws OrtException {
        try (OrtSession session = open(TinyModels.stringIdentity());
             OnnxTensor text = OnnxTensor.createTensor(ENV, new String[] {"edge", "straße", ""}, new long[] {3});
             OrtSession.Result result = session.run(Map.of("text", text))) {
            TensorInfo echo = tensorInfo(session, "echo");
            assertThat(echo.type).isEqualTo(OnnxJavaType.STRING);
            assertThat(echo.getShape()).containsExactly(-1);
            assertThat(echo.getDimensionNames()).containsExactly("n");
            assertThat((String[]) result.get("echo").orElseThrow().getValue()).containsExactly("edge", "straße", "");
        }
    }

    @Test
    void reluAndSequence_givesATensorThenASequenceOfInputAndRelu() throws OrtException {
        try (OrtSession session = open(TinyModels.reluAndSequence(4));
             OnnxTensor x = floats(new float[] {-1, 2, -3, 4}, 1, 4);
             OrtSession.Result result = session.run(Map.of("x", x))) {
            assertThat(session.getOutputNames()).containsExactly("relu", "pair");
            assertThat(tensorInfo(session, "relu").getShape()).containsExactly(1, 4);
            SequenceInfo pair = sequenceInfo(session, "pair");
            assertThat(pair.isSequenceOfMaps()).isFalse();
            assertThat(pair.sequenceType).isEqualTo(OnnxJavaType.FLOAT);
            List<? extends OnnxValue> elements = ((OnnxSequence) result.get("pair").orElseThrow()).getValue();
            assertThat(elements).hasSize(2);
            assertThat(values(elements.get(0))).containsExactly(-1, 2, -3, 4);
            assertThat(values(elements.get(1))).containsExactly(0, 2, 0, 4);
        }
        assertThatThrownBy(() -> TinyModels.reluAndSequence(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size is 0; expected >= 1");
    }

    @Test
    void zipMapClassifier_givesOneStringKeyedMapPerRow_andTheArgMaxLabel() throws OrtException {
        try (OrtSession session = open(TinyModels.zipMapClassifier(List.of("cat", "dog", "fox")));
             OnnxTensor scores = floats(new float[] {0.1f, 0.2f, 0.7f, 0.5f, 0.3f, 0.2f}, 2, 3);
             OrtSession.Result result = session.run(Map.of("scores", scores))) {
            SequenceInfo probabilities = sequenceInfo(session, "probabilities");
            assertThat(probabilities.isSequenceOfMaps()).isTrue();
            assertThat(probabilities.mapInfo.keyType).isEqualTo(OnnxJavaType.STRING);
            assertThat(probabilities.mapInfo.valueType).isEqualTo(OnnxJavaType.FLOAT);
            TensorInfo label = tensorInfo(session, "label");
            assertThat(label.type).isEqualTo(OnnxJavaType.INT64);
            assertThat(label.getShape()).containsExactly(-1, 1);
            List<? extends OnnxValue> maps = ((OnnxSequence) result.get("probabilities").orElseThrow()).getValue();
            assertThat(maps).hasSize(2);
            assertThat(((OnnxMap) maps.get(0)).getValue()).isEqualTo(Map.of("cat", 0.1f, "dog", 0.2f, "fox", 0.7f));
            assertThat((long[][]) result.get("label").orElseThrow().getValue()).isEqualTo(new long[][] {{2}, {0}});
        }
    }

    @Test
    void zipMapClassifier_withIntegerLabels_givesInt64KeyedMaps() throws OrtException {
        try (OrtSession session = open(TinyModels.zipMapClassifier(10, 20));
             OnnxTensor scores = floats(new float[] {0.25f, 0.75f}, 1, 2);
             OrtSession.Result result = session.run(Map.of("scores", scores))) {
            assertThat(sequenceInfo(session, "probabilities").mapInfo.keyType).isEqualTo(OnnxJavaType.INT64);
            List<? extends OnnxValue> maps = ((OnnxSequence) result.get("probabilities").orElseThrow()).getValue();
            assertThat(((OnnxMap) maps.get(0)).getValue()).isEqualTo(Map.of(10L, 0.25f, 20L, 0.75f));
        }
        assertThatThrownBy(() -> TinyModels.zipMapClassifier(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A ZipMap classifier needs at least one label; received none");
    }

    @Test
    void dynamicAdd_addsAnyLength_andFailsInsideTheRuntimeOnLengthsThatDoNotBroadcast() throws OrtException {
        try (OrtSession session = open(TinyModels.dynamicAdd());
             OnnxTensor a = floats(new float[] {1, 2, 3}, 3);
             OnnxTensor c = floats(new float[] {10, 20, 30}, 3);
             OnnxTensor b = floats(new float[] {1, 2, 3, 4}, 4);
             OrtSession.Result result = session.run(Map.of("a", a, "b", c))) {
            TensorInfo sum = tensorInfo(session, "sum");
            assertThat(sum.getShape()).containsExactly(-1);
            assertThat(sum.getDimensionNames()).containsExactly("out_len");
            assertThat((float[]) result.get("sum").orElseThrow().getValue()).containsExactly(11, 22, 33);
            assertThatThrownBy(() -> session.run(Map.of("a", a, "b", b))).isInstanceOf(OrtException.class)
                    .hasMessageContaining("Add").hasMessageContaining("3 by 4");
        }
    }

    @Test
    void singleOp_carriesTheChosenElementType_andNamesItsNode() throws OrtException {
        for (ElementType type : List.of(ElementType.FLOAT16, ElementType.UINT8, ElementType.BFLOAT16)) {
            try (OrtSession session = open(TinyModels.singleOp(Op.IDENTITY, type))) {
                TensorInfo y = tensorInfo(session, "y");
                assertThat(y.onnxType).isEqualTo(TensorInfo.OnnxTensorType.valueOf("ONNX_TENSOR_ELEMENT_DATA_TYPE_" + type.name()));
                assertThat(y.getShape()).containsExactly(4);
            }
        }
        assertThatThrownBy(() -> open(TinyModels.singleOp(Op.RELU, ElementType.BFLOAT16)))
                .isInstanceOf(OrtException.class)
                .hasMessageContaining("Could not find an implementation for Relu(14) node with name 'relu_node'");
        assertThatThrownBy(() -> TinyModels.singleOp(Op.CONV, ElementType.FLOAT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one input, one output and no required attribute; received Conv(2..3 inputs) -> 1");
        assertThatThrownBy(() -> TinyModels.singleOp(Op.CAST, ElementType.FLOAT))
                .hasMessageContaining("received Cast(1 input) -> 1");
    }

    @Test
    void unknownOperator_isRefusedByTheRuntime_namingDomainAndOperator_andOnlyWarnedAboutByValidation() {
        OnnxModel model = TinyModels.unknownOperator();
        assertThat(model.validate()).singleElement().satisfies(problem -> {
            assertThat(problem.severity()).isEqualTo(Problem.Severity.WARNING);
            assertThat(problem.message()).contains("'frob' (com.example:Frobnicate)", "custom domain 'com.example'");
        });
        assertThat(model.opsetImports()).containsEntry("com.example", 1L);
        assertThatThrownBy(() -> open(model)).isInstanceOf(OrtException.class)
                .hasMessageContaining("Frobnicate").hasMessageContaining("com.example");
    }

    @Test
    void metadata_setOnAnyModel_reachesTheRuntime() throws OrtException {
        OnnxModel model = TinyModels.reluAndSequence(2);
        model.putMetadata("outpost.test", "relu-and-sequence");
        model.setProducer("outpost-tests", "1");
        model.setDomain("dev.outpost.test");
        model.setModelVersion(3);
        model.setDocString("tiny test model");
        try (OrtSession session = open(model)) {
            var metadata = session.getMetadata();
            assertThat(metadata.getCustomMetadata()).containsExactly(Map.entry("outpost.test", "relu-and-sequence"));
            assertThat(metadata.getProducerName()).isEqualTo("outpost-tests");
            assertThat(metadata.getDomain()).isEqualTo("dev.outpost.test");
            assertThat(metadata.getVersion()).isEqualTo(3);
            assertThat(metadata.getDescription()).isEqualTo("tiny test model");
            assertThat(metadata.getGraphName()).isEqualTo("relu_and_sequence");
        }
    }
}
