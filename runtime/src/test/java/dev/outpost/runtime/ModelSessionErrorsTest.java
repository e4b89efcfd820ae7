package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.ElementType;
import dev.outpost.model.Op;
import dev.outpost.testing.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each error is reported with its code and a message naming what was expected and received; the session keeps working. */
class ModelSessionErrorsTest {

    private InferenceEngine engine;
    private ModelSession squeezenet;
    private Tensor image;

    @BeforeEach
    void open() {
        engine = InferenceEngine.create();
        squeezenet = engine.open(TestFixtures.model("squeezenet1.0-fp32.onnx"),
                SessionConfig.builder().intraOpThreads(1).build());
        image = Tensor.allocate(DType.FLOAT32, 1, 3, 224, 224);
    }

    @AfterEach
    void close() {
        image.close();
        engine.close();
    }

    private void assertStillWorks() {
        try (Outputs outputs = squeezenet.run(Map.of("data_0", image))) {
            assertThat(outputs.first().shape()).containsExactly(1, 1000, 1, 1);
        }
    }

    private static void assertCode(Throwable error, InferenceException.Code code, String... fragments) {
        assertThat(error).isInstanceOf(InferenceException.class);
        assertThat(((InferenceException) error).code()).isEqualTo(code);
        assertThat(error.getMessage()).contains(fragments);
    }

    @Test
    void run_rejectsWrongShape() {
        try (Tensor small = Tensor.allocate(DType.FLOAT32, 1, 3, 200, 224)) {
            assertThatThrownBy(() -> squeezenet.run(Map.of("data_0", small))).satisfies(error -> assertCode(error,
                    InferenceException.Code.WRONG_SHAPE,
                    "input 'data_0' has shape [1,3,200,224]; model squeezenet1.0-fp32.onnx expects [1,3,224,224]"
                            .replace("input", "Input")));
        }
        try (Tensor rank3 = Tensor.allocate(DType.FLOAT32, 3, 224, 224)) {
            assertThatThrownBy(() -> squeezenet.run(Map.of("data_0", rank3))).satisfies(error -> assertCode(error,
                    InferenceException.Code.WRONG_SHAPE, "[3,224,224]", "expects [1,3,224,224]"));
        }
        assertStillWorks();
    }

    @Test
    void run_rejectsWrongElementType() {
        try (Tensor bytes = Tensor.allocate(DType.UINT8, 1, 3, 224, 224)) {
            assertThatThrownBy(() -> squeezenet.run(Map.of("data_0", bytes))).satisfies(error -> assertCode(error,
                    InferenceException.Code.WRONG_TYPE, "Input 'data_0' has element type uint8", "expects float"));
        }
        assertStillWorks();
    }

    @Test
    void run_rejectsUnknownInput_listingTheValidOnes() {
        assertThatThrownBy(() -> squeezenet.run(Map.of("data_0", image, "pixels", image))).satisfies(error ->
                assertCode(error, InferenceException.Code.UNKNOWN_INPUT, "Unknown input 'pixels'",
                        "[data_0 float[1,3,224,224]]"));
        assertStillWorks();
    }

    @Test
    void run_rejectsMissingInput_namingIt() {
        try (ModelSession add = engine.open(TinyModels.dynamicAdd().toBytes(), SessionConfig.defaults());
             Tensor a = Tensor.of(new float[] {1, 2}, 2)) {
            assertThatThrownBy(() -> add.run(Map.of("a", a))).satisfies(error -> assertCode(error,
                    InferenceException.Code.MISSING_INPUT, "Missing input ['b']", "got ['a']"));
        }
        assertThatThrownBy(() -> squeezenet.run(Map.of())).satisfies(error ->
                assertCode(error, InferenceException.Code.MISSING_INPUT, "'data_0'"));
        assertStillWorks();
    }

    @Test
    void run_rejectsUnknownRequestedOutput() {
        assertThatThrownBy(() -> squeezenet.run(Map.of("data_0", image), Set.of("logits"))).satisfies(error ->
                assertCode(error, InferenceException.Code.INVALID_ARGUMENT, "Unknown output 'logits'",
                        "[softmaxout_1]"));
        assertStillWorks();
    }

    @Test
    void run_rejectsClosedInputTensor() {
        Tensor closed = Tensor.allocate(DType.FLOAT32, 1, 3, 224, 224);
        closed.close();
        assertThatThrownBy(() -> squeezenet.run(Map.of("data_0", closed))).satisfies(error ->
                assertCode(error, InferenceException.Code.INVALID_ARGUMENT, "Input 'data_0' is a closed tensor"));
        assertStillWorks();
    }

    @Test
    void run_reportsFailureInsideOnnxRuntime_asBackendFailure() {
        try (ModelSession add = engine.open(TinyModels.dynamicAdd().toBytes(), SessionConfig.defaults());
             Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
             Tensor b = Tensor.of(new float[] {1, 2, 3, 4}, 4);
             Tensor c = Tensor.of(new float[] {10, 20, 30}, 3)) {
            assertThatThrownBy(() -> add.run(Map.of("a", a, "b", b))).satisfies(error -> assertCode(error,
                    InferenceException.Code.BACKEND_FAILURE, "Add", "3 by 4"));
            try (Outputs sum = add.run(Map.of("a", a, "b", c))) {
                assertThat(sum.get("sum").toFloatArray()).containsExactly(11, 22, 33);
            }
        }
    }

    @Test
    void open_rejectsMissingFile(@TempDir Path dir) {
        assertThatThrownBy(() -> engine.open(dir.resolve("nope.onnx"))).satisfies(error ->
                assertCode(error, InferenceException.Code.MODEL_NOT_FOUND, "nope.onnx", "does not exist"));
        assertThatThrownBy(() -> engine.openMapped(dir, SessionConfig.defaults())).satisfies(error ->
                assertCode(error, InferenceException.Code.MODEL_NOT_FOUND, "is not a readable file"));
    }

    @Test
    void open_rejectsCorruptAndNonOnnxBytes(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.onnx"), "this is not an ONNX model");
        assertThatThrownBy(() -> engine.open(text)).satisfies(error ->
                assertCode(error, InferenceException.Code.INVALID_MODEL, "notes.onnx", "Protobuf parsing failed"));
        byte[] mnist = Files.readAllBytes(TestFixtures.model("mnist_cntk.onnx"));
        Path truncated = Files.write(dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(mnist, mnist.length / 2));
        assertThatThrownBy(() -> engine.openMapped(truncated, SessionConfig.defaults())).satisfies(error ->
                assertCode(error, InferenceException.Code.INVALID_MODEL, "truncated.onnx"));
        Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
        assertThatThrownBy(() -> engine.open(empty)).satisfies(error ->
                assertCode(error, InferenceException.Code.INVALID_MODEL, "is empty"));
        assertThatThrownBy(() -> engine.open(new byte[0], SessionConfig.defaults())).satisfies(error ->
                assertCode(error, InferenceException.Code.INVALID_MODEL, "is empty"));
        assertStillWorks();
    }

    @Test
    void open_rejectsOperatorWithoutKernel_asUnsupportedOperator() {
        byte[] bfloat16Relu = TinyModels.singleOp(Op.RELU, ElementType.BFLOAT16).toBytes();
        assertThatThrownBy(() -> engine.open(bfloat16Relu, SessionConfig.defaults())).satisfies(error ->
                assertCode(error, InferenceException.Code.UNSUPPORTED_OPERATOR, "Relu(14)", "relu_node"));
        byte[] unknownOperator = TinyModels.unknownOperator().toBytes();
        assertThatThrownBy(() -> engine.open(unknownOperator, SessionConfig.defaults())).satisfies(error ->
                assertCode(error, InferenceException.Code.UNSUPPORTED_OPERATOR, "com.example:Frobnicate"));
    }

    @Test
    void closedSession_andEngine_throwIllegalState() {
        ModelSession session = engine.open(TestFixtures.model("mnist_cntk.onnx"));
        session.close();
        session.close();
        assertThat(session.isClosed()).isTrue();
        try (Tensor digit = Tensor.allocate(DType.FLOAT32, 1, 1, 28, 28)) {
            assertThatThrownBy(() -> session.run(Map.of("Input3", digit)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("ModelSession", "closed");
        }
        engine.close();
        assertThat(squeezenet.isClosed()).as("engine close closes its sessions").isTrue();
        assertThatThrownBy(() -> engine.open(TestFixtures.model("mnist_cntk.onnx")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("InferenceEngine is closed");
        engine.close();
    }

    @Test
    void closedOutputs_throwIllegalState_andTheirTensorsAreClosed() {
        Outputs outputs = squeezenet.run(Map.of("data_0", image));
        Tensor probabilities = outputs.first();
        outputs.close();
        outputs.close();
        assertThat(probabilities.isClosed()).isTrue();
        assertThatThrownBy(probabilities::toFloatArray).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> outputs.get("softmaxout_1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertStillWorks();
    }
}
