package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.runtime.ClassificationSpec.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassificationPostprocessorTest {

    @TempDir
    Path dir;

    private static ClassificationSpec spec(Activation activation, int topK, int labelOffset, float scale) {
        return new ClassificationSpec(Optional.empty(), activation, topK, Optional.empty(), labelOffset, scale);
    }

    @Test
    void softmax_gives_probabilities_in_descending_order() {
        ClassificationPostprocessor post = ClassificationPostprocessor.create(spec(Activation.SOFTMAX, 2, 0, 1f), List.of("a", "b", "c"));

        List<Classification> top = post.process(Tensor.of(new float[] {1f, 3f, 2f}, 1, 3)).getFirst();

        double sum = Math.exp(1) + Math.exp(3) + Math.exp(2);
        assertThat(top).extracting(Classification::label).containsExactly("b", "c");
        assertThat(top.get(0).score()).isCloseTo((float) (Math.exp(3) / sum), within(1e-6f));
        assertThat(top.get(1).score()).isCloseTo((float) (Math.exp(2) / sum), within(1e-6f));
    }

    @Test
    void softmax_is_stable_for_large_logits() {
        ClassificationPostprocessor post = ClassificationPostprocessor.create(spec(Activation.SOFTMAX, 1, 0, 1f), List.of());

        Classification top = post.process(Tensor.of(new float[] {1000f, 999f}, 1, 2)).getFirst().getFirst();

        assertThat(top.score()).isCloseTo((float) (1 / (1 + Math.exp(-1))), within(1e-6f));
        assertThat(top.label()).isEqualTo("0");
    }

    @Test
    void log_softmax_and_sigmoid_and_none() {
        assertThat(ClassificationPostprocessor.create(spec(Activation.LOG_SOFTMAX, 1, 0, 1f), List.of())
                .process(Tensor.of(new float[] {(float) Math.log(0.25), (float) Math.log(0.75)}, 1, 2)).getFirst().getFirst())
                .satisfies(c -> {
                    assertThat(c.classIndex()).isEqualTo(1);
                    assertThat(c.score()).isCloseTo(0.75f, within(1e-6f));
                });
        assertThat(ClassificationPostprocessor.create(spec(Activation.SIGMOID, 2, 0, 1f), List.of())
                .process(Tensor.of(new float[] {0f, 2f}, 1, 2)).getFirst())
                .extracting(Classification::score).containsExactly((float) (1 / (1 + Math.exp(-2))), 0.5f);
        assertThat(ClassificationPostprocessor.create(spec(Activation.NONE, 3, 0, 1f), List.of())
                .process(Tensor.of(new float[] {0.2f, 0.5f, 0.3f}, 1, 3, 1, 1)).getFirst())
                .extracting(Classification::classIndex).containsExactly(1, 2, 0);
    }

    @Test
    void ties_keep_the_lower_class_index_first() {
        ClassificationPostprocessor post = ClassificationPostprocessor.create(spec(Activation.NONE, 4, 0, 1f), List.of());

        List<Classification> top = post.process(Tensor.of(new float[] {0.1f, 0.3f, 0.1f, 0.3f, 0.2f}, 1, 5)).getFirst();

        assertThat(top).extracting(Classification::classIndex).containsExactly(1, 3, 4, 0);
    }

    @Test
    void uint8_output_with_scale_and_background_offset() {
        ClassificationPostprocessor post = ClassificationPostprocessor.create(spec(Activation.NONE, 2, 1, 1f / 256),
                List.of("tench", "goldfish", "shark"));
        // Index 0 is background with the highest raw value: it must never be reported.
        Tensor output = Tensor.of(DType.UINT8, new byte[] {(byte) 250, 10, (byte) 200, 45}, 1, 4);

        List<Classification> top = post.process(output).getFirst();

        assertThat(top).containsExactly(new Classification(1, "goldfish", 200f / 256), new Classification(2, "shark", 45f / 256));
    }

    @Test
    void each_image_of_a_batch_gets_its_own_top_k() {
        ClassificationPostprocessor post = ClassificationPostprocessor.create(spec(Activation.NONE, 1, 0, 1f), List.of("x", "y"));

        List<List<Classification>> results = post.process(Tensor.of(new float[] {0.9f, 0.1f, 0.2f, 0.8f}, 2, 2));

        assertThat(results).hasSize(2);
        assertThat(results.get(0).getFirst().label()).isEqualTo("x");
        assertThat(results.get(1).getFirst().label()).isEqualTo("y");
    }

    @Test
    void labels_that_do_not_match_the_classes_are_rejected() {
        ClassificationPostprocessor post = ClassificationPostprocessor.create(spec(Activation.NONE, 1, 1, 1f), List.of("a", "b", "c"));

        assertThatThrownBy(() -> post.process(Tensor.of(new float[] {1, 2, 3}, 1, 3)))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("has 2 classes (3 scores, label offset 1) but 3 labels were given");
    }

    @Test
    void labels_file_reads_plain_lines_and_synset_lines() throws IOException {
        Path file = dir.resolve("labels.txt");
        Files.writeString(file, "n01440764 tench, Tinca tinca\ntraffic light\nn01443537 goldfish\n\n");

        assertThat(Labels.load(file)).containsExactly("tench", "traffic light", "goldfish");
        Files.writeString(file, "a\n\nb\n");
        assertThatThrownBy(() -> Labels.load(file)).hasMessageContaining("blank line 2");
        assertThatThrownBy(() -> Labels.load(dir.resolve("none.txt")))
                .isInstanceOf(InferenceException.class).hasMessageContaining("Cannot read labels file");
    }

    @Test
    void output_name_is_the_declared_or_the_only_one() {
        ClassificationPostprocessor any = ClassificationPostprocessor.create(spec(Activation.NONE, 1, 0, 1f), List.of());
        ClassificationPostprocessor named = ClassificationPostprocessor.create(new ClassificationSpec(Optional.of("probs"),
                Activation.NONE, 1, Optional.empty(), 0, 1f), List.of());

        assertThat(any.outputName(List.of("out"))).isEqualTo("out");
        assertThatThrownBy(() -> any.outputName(List.of("a", "b"))).hasMessageContaining("declare classification.output");
        assertThat(named.outputName(List.of("logits", "probs"))).isEqualTo("probs");
        assertThatThrownBy(() -> named.outputName(List.of("logits")))
                .hasMessageContaining("classification.output 'probs' is not a model output; the outputs are [logits]");
    }
}
