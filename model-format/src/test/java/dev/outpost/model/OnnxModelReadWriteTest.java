package dev.outpost.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UnknownFieldSet;
import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.ModelProto;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class OnnxModelReadWriteTest {

    @TempDir
    Path temp;

    static Stream<Path> sharedModels() {
        return Fixtures.allModels();
    }

    @ParameterizedTest
    @MethodSource("sharedModels")
    void readThenWrite_isByteIdentical_forEverySharedModel(Path file) throws Exception {
        byte[] original = Files.readAllBytes(file);
        OnnxModel model = OnnxModel.read(file);
        model.graph().nodes(); // touching the graph view must not change the bytes
        assertThat(model.toBytes()).isEqualTo(original);
        assertThat(model.serializedSize()).isEqualTo(original.length);

        Path written = temp.resolve(file.getFileName());
        model.write(written);
        assertThat(Files.readAllBytes(written)).isEqualTo(original);
    }

    @ParameterizedTest
    @MethodSource("sharedModels")
    void read_fileCutInHalf_isTruncated_namingSize(Path file) throws Exception {
        byte[] original = Files.readAllBytes(file);
        Path cut = temp.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(original, original.length / 2));

        assertThatThrownBy(() -> OnnxModel.read(cut))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.TRUNCATED))
                .hasMessageContaining("file is " + original.length / 2 + " bytes; the model's protobuf ends early at");
    }

    @Test
    void read_fileCutAtManyPoints_isTruncatedNeverAnEscapingProtobufError() throws Exception {
        byte[] original = Files.readAllBytes(Fixtures.model("mnist_cnn_pytorch.onnx"));
        for (int length = 40; length < original.length - 1; length += 997) {
            byte[] cut = Arrays.copyOf(original, length);
            assertThatThrownBy(() -> OnnxModel.read(cut))
                    .as("cut at %d", length)
                    .isInstanceOfSatisfying(ModelFormatException.class,
                            e -> assertThat(e.code()).isIn(Code.TRUNCATED, Code.INVALID_MODEL));
        }
    }

    @Test
    void read_missingFile_isIo_namingThePath() {
        Path missing = temp.resolve("nope.onnx");
        assertThatThrownBy(() -> OnnxModel.read(missing))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.IO))
                .hasMessageContaining(missing.toString());
    }

    @Test
    void read_emptyFile_isNotOnnx() throws Exception {
        Path empty = Files.write(temp.resolve("empty.onnx"), new byte[0]);
        assertThatThrownBy(() -> OnnxModel.read(empty))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.NOT_ONNX))
                .hasMessageContaining("empty");
    }

    @Test
    void read_jpegAndTextFiles_areNotOnnx() throws Exception {
        Path jpeg = Files.list(Path.of(System.getProperty("outpost.data", "../../shared/data"), "imagenet-samples"))
                .flatMap(p -> Files.isDirectory(p) ? uncheckedList(p) : Stream.of(p))
                .filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".JPEG") || p.toString().endsWith(".jpeg"))
                .findFirst().orElseThrow();
        byte[] text = "ir_version: 8\nproducer_name: \"hello\"\n".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> OnnxModel.read(jpeg))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.NOT_ONNX))
                .hasMessageContaining("ffd8");
        assertThatThrownBy(() -> OnnxModel.read(text))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.NOT_ONNX));
    }

    private static Stream<Path> uncheckedList(Path dir) {
        try {
            return Files.list(dir).toList().stream();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void read_randomBytes_areNotOnnx_forHundredSeeds() {
        for (int seed = 0; seed < 100; seed++) {
            byte[] bytes = new byte[1 + new Random(seed).nextInt(4096)];
            new Random(seed).nextBytes(bytes);
            assertThatThrownBy(() -> OnnxModel.read(bytes))
                    .as("seed %d", seed)
                    .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.NOT_ONNX));
        }
    }

    @Test
    void read_modelWithoutGraph_isInvalidModel() {
        byte[] bytes = ModelProto.newBuilder().setIrVersion(8).setProducerName("x").build().toByteArray();
        assertThatThrownBy(() -> OnnxModel.read(bytes))
                .isInstanceOfSatisfying(ModelFormatException.class, e -> assertThat(e.code()).isEqualTo(Code.INVALID_MODEL))
                .hasMessageContaining("without a graph");
    }

    @Test
    void read_inputStream_readsTheSameModel() throws Exception {
        byte[] original = Files.readAllBytes(Fixtures.model("mnist_cntk.onnx"));
        OnnxModel model = OnnxModel.read(new ByteArrayInputStream(original));
        assertThat(model.toBytes()).isEqualTo(original);
    }

    @Test
    void unknownFields_surviveReadEditWrite() throws Exception {
        ModelProto original = ModelProto.parseFrom(Files.readAllBytes(Fixtures.model("mnist_cntk.onnx")));
        UnknownFieldSet graphExtra = UnknownFieldSet.newBuilder()
                .addField(77, UnknownFieldSet.Field.newBuilder().addVarint(12345).build()).build();
        UnknownFieldSet modelExtra = UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addLengthDelimited(
                        com.google.protobuf.ByteString.copyFromUtf8("from the future")).build()).build();
        ModelProto withUnknown = original.toBuilder().setUnknownFields(modelExtra)
                .setGraph(GraphProto.newBuilder(original.getGraph()).setUnknownFields(graphExtra)).build();
        byte[] bytes = withUnknown.toByteArray();

        OnnxModel model = OnnxModel.read(bytes);
        assertThat(model.toBytes()).isEqualTo(bytes);

        String firstOutput = model.graph().nodes().get(0).output(0);
        model.graph().rename(firstOutput, "renamed_tensor");
        ModelProto written = ModelProto.parseFrom(model.toBytes());
        assertThat(written.getUnknownFields().getField(99).getLengthDelimitedList().get(0).toStringUtf8())
                .isEqualTo("from the future");
        assertThat(written.getGraph().getUnknownFields().getField(77).getVarintList()).containsExactly(12345L);
        assertThat(written.getGraph().getNode(0).getOutput(0)).isEqualTo("renamed_tensor");
    }

    @Test
    void accessors_readAndEditModelFields_andEditsAreWritten() throws Exception {
        OnnxModel model = OnnxModel.read(Fixtures.model("mnist_cntk.onnx"));
        assertThat(model.irVersion()).isEqualTo(3);
        assertThat(model.opsetImports()).containsEntry("", 7L);
        assertThat(model.opsetVersion("ai.onnx")).hasValue(7);
        assertThat(model.producerName()).isEqualTo("CNTK");
        assertThat(model.metadata()).containsKey("Image.BitmapPixelFormat");

        model.putMetadata("outpost.provenance", "{\"source\":\"sha256:abc\"}");
        model.putMetadata("outpost.provenance", "{\"source\":\"sha256:def\"}");
        assertThat(model.removeMetadata("Image.BitmapPixelFormat")).isTrue();
        model.setProducer("outpost", "0.1.0");
        model.setModelVersion(7);
        model.setDocString("tested");
        model.setOpsetImport("com.microsoft", 1);

        OnnxModel reread = OnnxModel.read(model.toBytes());
        assertThat(reread.metadata()).containsEntry("outpost.provenance", "{\"source\":\"sha256:def\"}")
                .doesNotContainKey("Image.BitmapPixelFormat");
        assertThat(reread.metadata().keySet().stream().filter("outpost.provenance"::equals)).hasSize(1);
        assertThat(reread.producerName()).isEqualTo("outpost");
        assertThat(reread.producerVersion()).isEqualTo("0.1.0");
        assertThat(reread.modelVersion()).isEqualTo(7);
        assertThat(reread.docString()).isEqualTo("tested");
        assertThat(reread.opsetImports()).containsEntry("com.microsoft", 1L);
    }

    @Test
    void copy_isIndependent() throws Exception {
        OnnxModel model = OnnxModel.read(Fixtures.model("mnist_cntk.onnx"));
        OnnxModel copy = model.copy();
        copy.putMetadata("k", "v");
        assertThat(model.metadata()).doesNotContainKey("k");
        assertThat(copy.metadata()).containsEntry("k", "v");
    }
}
