package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Tensor;
import dev.outpost.testing.SharedFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transformer acceptance: all-MiniLM-L6-v2 (fp32, from langchain4j's jar) to dynamic int8;
 * over 200 real English sentences (from the shared Markdown documents) the mean cosine of our int8
 * embeddings to the fp32 ones is at least that of the int8 model langchain4j publishes. Speed is in
 * the benchmark (scripts/bench-optimizer.sh minilm).
 */
class MiniLmDynamicQuantizationTest {

    @TempDir
    Path dir;

    @Test
    void dynamic_int8_embeddings_are_at_least_as_close_to_fp32_as_the_published_int8_model() {
        Path shared = SharedFixtures.dataDir().map(Path::getParent).orElseThrow();
        List<String> sentences = MiniLm.sentences(shared, 200);
        assertThat(sentences).hasSize(200);
        Path fp32 = MiniLm.extract(MiniLm.FP32, dir);
        Path published = MiniLm.extract(MiniLm.PUBLISHED_INT8, dir);
        Path ours = dir.resolve("minilm-int8.onnx");
        WordPiece tokenizer = MiniLm.tokenizer();
        try (InferenceEngine engine = InferenceEngine.create()) {
            QuantizationResult result = new Quantizer(engine).quantize(fp32, ours,
                    QuantizationOptions.builder().mode(QuantizationOptions.Mode.DYNAMIC).build(), null, p -> { });
            double oursSum = 0;
            double publishedSum = 0;
            double oursMin = 1;
            try (ModelSession reference = engine.open(fp32); ModelSession a = engine.open(ours);
                    ModelSession b = engine.open(published)) {
                for (String sentence : sentences) {
                    Map<String, Tensor> inputs = MiniLm.inputs(tokenizer.encode(sentence, 128));
                    try {
                        float[] expected = MiniLm.embed(reference, inputs);
                        double c = MiniLm.cosine(expected, MiniLm.embed(a, inputs));
                        oursSum += c;
                        oursMin = Math.min(oursMin, c);
                        publishedSum += MiniLm.cosine(expected, MiniLm.embed(b, inputs));
                    } finally {
                        inputs.values().forEach(Tensor::close);
                    }
                }
            }
            double oursMean = oursSum / sentences.size();
            double publishedMean = publishedSum / sentences.size();
            System.out.printf("MiniLM dynamic int8: mean cosine ours %.5f (min %.5f), published %.5f; size %.2f;"
                    + " quantized %s; fused %s%n", oursMean, oursMin, publishedMean, result.sizeRatio(),
                    result.quantizedOps(), result.fusedOps());
            assertThat(oursMean).isGreaterThanOrEqualTo(publishedMean);
            assertThat(result.fusedOps()).containsKey("com.microsoft:DynamicQuantizeMatMul");
        }
    }
}
