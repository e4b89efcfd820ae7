package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.runtime.PipelineCatalog.CatalogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Catalog lookups go by file content, never by name; malformed entries are named in errors. */
class PipelineCatalogTest {

    @TempDir
    Path temp;

    @Test
    void a_renamed_copy_of_a_catalog_model_is_found_by_its_content() throws IOException {
        Path original = TestFixtures.model("squeezenet1.0-fp32.onnx");
        Path renamed = Files.copy(original, temp.resolve("my-classifier-v3.onnx"));

        assertThat(PipelineCatalog.find(renamed)).hasValueSatisfying(entry -> {
            assertThat(entry.modelFile()).isEqualTo("squeezenet1.0-fp32.onnx");
            assertThat(entry.labels()).hasSize(1000);
        });
    }

    @Test
    void a_different_file_with_a_catalog_name_is_not_found() throws IOException {
        Path impostor = temp.resolve("squeezenet1.0-fp32.onnx");
        Files.copy(TestFixtures.model("mnist_cntk.onnx"), impostor);
        Path changed = temp.resolve("yolox_nano.onnx");
        byte[] yolox = Files.readAllBytes(TestFixtures.model("yolox_nano.onnx"));
        yolox[yolox.length - 1] ^= 1;
        Files.write(changed, yolox);

        assertThat(PipelineCatalog.find(impostor)).hasValueSatisfying(
                entry -> assertThat(entry.modelFile()).isEqualTo("mnist_cntk.onnx"));
        assertThat(PipelineCatalog.find(changed)).isEmpty();
    }

    @Test
    void sha256_is_computed_over_the_whole_file() throws IOException {
        Path empty = Files.write(temp.resolve("empty.onnx"), new byte[0]);
        byte[] big = new byte[200_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        Path blocks = Files.write(temp.resolve("big.onnx"), big);

        assertThat(PipelineCatalog.sha256(empty))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(PipelineCatalog.sha256(blocks)).isEqualTo(java.util.HexFormat.of().formatHex(
                sha256Whole(big)));
        assertThat(PipelineCatalog.find(empty)).isEmpty();
    }

    @Test
    void an_unreadable_model_file_is_model_not_found() {
        Path missing = temp.resolve("missing.onnx");
        assertThatThrownBy(() -> PipelineCatalog.find(missing))
                .isInstanceOfSatisfying(InferenceException.class,
                        e -> assertThat(e.code()).isEqualTo(InferenceException.Code.MODEL_NOT_FOUND))
                .hasMessageContaining(missing.toString());
    }

    @Test
    void catalog_keys_are_stripped_before_the_pipeline_keys_are_parsed() {
        CatalogEntry entry = PipelineCatalog.parseEntry("tiny.pipeline.properties", String.join("\n",
                "catalog.sha256 = " + "ab".repeat(32),
                "catalog.description = a tiny test model",
                "catalog.labels = mnist.txt",
                "input.channels = GRAY",
                "task = classification"));

        assertThat(entry.modelFile()).isEqualTo("tiny.onnx");
        assertThat(entry.labels()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(entry.spec().output()).isInstanceOf(ClassificationSpec.class);
        assertThat(((ClassificationSpec) entry.spec().output()).labels()).isEmpty();
    }

    @Test
    void malformed_entries_name_the_entry_and_the_problem() {
        String valid = "catalog.sha256 = " + "ab".repeat(32) + "\ncatalog.description = d\ntask = classification\n";

        assertThatThrownBy(() -> PipelineCatalog.parseEntry("a.pipeline.properties", "task = classification"))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("catalog/a.pipeline.properties has no catalog.sha256");
        assertThatThrownBy(() -> PipelineCatalog.parseEntry("b.pipeline.properties",
                "catalog.sha256 = ABC\ncatalog.description = d"))
                .hasMessageContaining("catalog/b.pipeline.properties").hasMessageContaining("'ABC'")
                .hasMessageContaining("64 lower-case hex digits");
        assertThatThrownBy(() -> PipelineCatalog.parseEntry("c.pipeline.properties", valid + "catalog.author = x"))
                .hasMessageContaining("unknown catalog keys [catalog.author]");
        assertThatThrownBy(() -> PipelineCatalog.parseEntry("d.pipeline.properties", valid + "catalog.labels = nope.txt"))
                .hasMessageContaining("catalog/labels/nope.txt is missing from the runtime jar");
        assertThatThrownBy(() -> PipelineCatalog.parseEntry("e.pipeline.properties", valid + "input.resize = sideways"))
                .isInstanceOfSatisfying(InferenceException.class,
                        e -> assertThat(e.code()).isEqualTo(InferenceException.Code.PIPELINE))
                .hasMessageContaining("catalog/e.pipeline.properties").hasMessageContaining("input.resize = 'sideways'");
    }

    @Test
    void entries_are_listed_in_index_order_and_the_list_is_immutable() {
        List<CatalogEntry> entries = PipelineCatalog.entries();
        assertThat(entries.getFirst().modelFile()).isEqualTo("mlperftiny_ic_resnet8_fp32.onnx");
        assertThatThrownBy(() -> entries.add(entries.getFirst())).isInstanceOf(UnsupportedOperationException.class);
    }

    private static byte[] sha256Whole(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
