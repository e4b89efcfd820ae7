package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import dev.outpost.model.OnnxModel;
import dev.outpost.testing.TinyModels;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** String tensors, sequence and map outputs, float16 and uint8 I/O, zero-copy inputs and metadata. */
class ModelSessionTypesTest {

    private static InferenceEngine engine;

    @BeforeAll
    static void openEngine() {
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    @Test
    void stringTensors_goInAndComeOut() {
        try (ModelSession session = engine.open(TinyModels.stringIdentity().toBytes(), SessionConfig.defaults());
             Tensor text = Tensor.ofStrings(new String[] {"edge", "straße", ""}, 3);
             Outputs outputs = session.run(Map.of("text", text))) {
            Tensor echo = outputs.get("echo");
            assertThat(echo.type()).isEqualTo(DType.STRING);
            assertThat(echo.shape()).containsExactly(3);
            assertThat(echo.strings()).containsExactly("edge", "straße", "");
            assertThat(session.inputs().get(0).toString()).isEqualTo("text string[n]");
        }
    }

    @Test
    void sequenceOutput_isAListOfTensors_andTensorOutputIsPinned() {
        try (ModelSession session = engine.open(TinyModels.reluAndSequence(4).toBytes(), SessionConfig.defaults());
             Tensor x = Tensor.of(new float[] {-1, 2, -3, 4}, 1, 4);
             Outputs outputs = session.run(Map.of("x", x))) {
            assertThat(outputs.names()).containsExactly("relu", "pair");
            assertThat(outputs.get("relu").toFloatArray()).containsExactly(0, 2, 0, 4);
            assertThat(outputs.sequence("pair")).hasSize(2);
            assertThat(outputs.sequence("pair").get(0).toFloatArray()).containsExactly(-1, 2, -3, 4);
            assertThat(outputs.sequence("pair").get(1).toFloatArray()).containsExactly(0, 2, 0, 4);
            assertThat(session.otherOutputs()).containsEntry("pair", "sequence<tensor(float)>");
            assertThat(session.pinned("relu")).isNotNull();
            assertThatThrownBy(() -> outputs.get("pair")).isInstanceOf(InferenceException.class)
                    .hasMessageContaining("is a sequence of tensors, not a tensor; use sequence(\"pair\")");
            assertThat(outputs).extracting(Map.Entry::getKey).containsExactly("relu");
            Tensor element = outputs.sequence("pair").get(0);
            outputs.close();
            assertThat(element.isClosed()).as("closing outputs closes sequence elements").isTrue();
            assertThatThrownBy(() -> outputs.sequence("pair")).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void zipMapOutput_isAListOfMaps() {
        try (ModelSession session = engine.open(zipMapClassifier(), SessionConfig.defaults());
             Tensor scores = Tensor.of(new float[] {0.1f, 0.2f, 0.7f, 0.5f, 0.3f, 0.2f}, 2, 3);
             Outputs outputs = session.run(Map.of("scores", scores))) {
            assertThat(outputs.maps("probabilities")).hasSize(2);
            assertThat(outputs.maps("probabilities").get(0))
                    .isEqualTo(Map.of("cat", 0.1f, "dog", 0.2f, "fox", 0.7f));
            assertThat(outputs.maps("probabilities").get(1)).containsEntry("cat", 0.5f);
            assertThat(outputs.get("label").longBuffer().get(0)).isEqualTo(2L);
            assertThat(session.otherOutputs()).containsEntry("probabilities", "sequence<map<string,float>>");
        }
    }

    @Test
    void requestedOutputs_areReturnedInRequestOrder() {
        try (ModelSession session = engine.open(zipMapClassifier(), SessionConfig.defaults());
             Tensor scores = Tensor.of(new float[] {0.1f, 0.8f, 0.1f}, 1, 3);
             Outputs outputs = session.run(Map.of("scores", scores), Set.of("label"))) {
            assertThat(outputs.names()).containsExactly("label");
            assertThat(outputs.first().longBuffer().get(0)).isEqualTo(1L);
        }
    }

    @Test
    void float16AndUint8Models_runThroughByteBuffers() {
        try (ModelSession fp16 = engine.open(TestFixtures.model("squeezenet1.0-fp16.onnx"));
             ModelSession fp32 = engine.open(TestFixtures.model("squeezenet1.0-fp32.onnx"));
             Tensor half = Tensor.allocate(DType.FLOAT16, 1, 3, 224, 224);
             Tensor full = Tensor.allocate(DType.FLOAT32, 1, 3, 224, 224)) {
            for (int i = 0; i < 3 * 224 * 224; i++) {
                float value = (i % 255) - 120f;
                half.shortBuffer().put(i, Float.floatToFloat16(value));
                full.floatBuffer().put(i, value);
            }
            try (Outputs halfOut = fp16.run(Map.of("data_0", half));
                 Outputs fullOut = fp32.run(Map.of("data_0", full))) {
                float[] fromHalf = halfOut.first().toFloatArray();
                float[] fromFull = fullOut.first().toFloatArray();
                assertThat(halfOut.first().type()).isEqualTo(DType.FLOAT16);
                assertThat(argMax(fromHalf)).isEqualTo(argMax(fromFull));
            }
        }
        try (ModelSession quantized = engine.open(TestFixtures.model("mobilenet_v1_0.5_128_quant.onnx"));
             Tensor pixels = Tensor.allocate(DType.UINT8, 1, 128, 128, 3);
             Outputs outputs = quantized.run(Map.of("input", pixels))) {
            assertThat(outputs.first().type()).isEqualTo(DType.UINT8);
            assertThat(outputs.first().shape()).containsExactly(1, 1001);
        }
    }

    @Test
    void inputs_areHandedToOnnxRuntimeWithoutACopy() throws Exception {
        try (ModelSession session = engine.open(TestFixtures.model("mnist_cntk.onnx"));
             Tensor digit = Tensor.allocate(DType.FLOAT32, 1, 1, 28, 28);
             OnnxTensor ort = OnnxTensor.createTensor(session.environment(), digit.buffer(), digit.shape(),
                     OrtTypes.javaTypeOf(DType.FLOAT32).orElseThrow())) {
            assertThat(ort.ownsBuffer()).as("ORT made a copy").isFalse();
        }
    }

    @Test
    void metadata_comesFromTheModel() {
        OnnxModel model = TinyModels.reluAndSequence(2);
        model.setProducer("outpost-tests", "1");
        model.setDomain("dev.outpost.test");
        model.setModelVersion(3);
        model.setDocString("tiny test model relu_and_sequence");
        model.putMetadata("outpost.test", "relu-and-sequence");
        try (ModelSession session = engine.open(model.toBytes(), SessionConfig.defaults())) {
            ModelMetadata metadata = session.metadata();
            assertThat(metadata.producer()).isEqualTo("outpost-tests");
            assertThat(metadata.graphName()).isEqualTo("relu_and_sequence");
            assertThat(metadata.domain()).isEqualTo("dev.outpost.test");
            assertThat(metadata.version()).isEqualTo(3);
            assertThat(metadata.description()).isEqualTo("tiny test model relu_and_sequence");
            assertThat(metadata.custom("outpost.test")).hasValue("relu-and-sequence");
        }
    }

    /** {@code scores: float[n,3]} -> {@code probabilities} over cat, dog and fox, and {@code label: int64[n,1]}. */
    private static byte[] zipMapClassifier() {
        return TinyModels.zipMapClassifier(List.of("cat", "dog", "fox")).toBytes();
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
