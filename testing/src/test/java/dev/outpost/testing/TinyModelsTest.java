package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.model.Graph;
import dev.outpost.model.Initializer;
import dev.outpost.model.Node;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.Problem;
import dev.outpost.model.ValueInfo;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TinyModelsTest {

    static Stream<Arguments> smallModels() {
        return Stream.of(
                Arguments.of("conv", (Supplier<OnnxModel>) () -> TinyModels.conv(1), new long[] {1, 3, 8, 8}, new long[] {1, 4, 8, 8}),
                Arguments.of("matMul", (Supplier<OnnxModel>) () -> TinyModels.matMul(1), new long[] {2, 8}, new long[] {2, 4}),
                Arguments.of("gemm", (Supplier<OnnxModel>) () -> TinyModels.gemm(1), new long[] {2, 8}, new long[] {2, 4}),
                Arguments.of("relu", (Supplier<OnnxModel>) TinyModels::relu, new long[] {1, 4}, new long[] {1, 4}),
                Arguments.of("maxPool", (Supplier<OnnxModel>) TinyModels::maxPool, new long[] {1, 2, 4, 4}, new long[] {1, 2, 2, 2}),
                Arguments.of("averagePool", (Supplier<OnnxModel>) TinyModels::averagePool, new long[] {1, 2, 4, 4}, new long[] {1, 2, 2, 2}),
                Arguments.of("globalAveragePool", (Supplier<OnnxModel>) TinyModels::globalAveragePool, new long[] {1, 2, 4, 4}, new long[] {1, 2, 1, 1}),
                Arguments.of("smallCnn fixed 3", (Supplier<OnnxModel>) () -> TinyModels.smallCnn(1, TinyModels.Batch.fixed(3)), new long[] {3, 1, 8, 8}, new long[] {3, 10}),
                Arguments.of("smallCnn dynamic", (Supplier<OnnxModel>) () -> TinyModels.smallCnn(1, TinyModels.Batch.dynamic()), new long[] {5, 1, 8, 8}, new long[] {5, 10}),
                Arguments.of("mlp dynamic", (Supplier<OnnxModel>) () -> TinyModels.mlp(1, TinyModels.Batch.dynamic()), new long[] {2, 16}, new long[] {2, 4}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smallModels")
    void everySmallModel_validates_andRunsInOrt_withTheDeclaredOutputShape(String name, Supplier<OnnxModel> build,
            long[] inputShape, long[] outputShape) throws Exception {
        OnnxModel model = build.get();
        assertThat(model.validate()).isEmpty();
        OrtRun.Output out = OrtRun.run(model.toBytes(), Map.of(TinyModels.INPUT,
                new OrtRun.Input(OrtRun.ramp(count(inputShape)), inputShape))).get(TinyModels.OUTPUT);
        assertThat(out.shape()).containsExactly(outputShape);
        for (float v : out.values()) {
            assertThat(v).isFinite();
        }
    }

    @Test
    void simpleOps_computeWhatTheyShould() throws Exception {
        float[] x = {-1, 2, -3, 4};
        assertThat(OrtRun.run(TinyModels.relu().toBytes(), Map.of("input", new OrtRun.Input(x, 1, 4)))
                .get("output").values()).containsExactly(0, 2, 0, 4);
        assertThat(OrtRun.run(TinyModels.add().toBytes(), Map.of("a", new OrtRun.Input(x, 1, 4),
                "b", new OrtRun.Input(new float[] {1, 1, 1, 1}, 1, 4))).get("output").values()).containsExactly(0, 3, -2, 5);

        OnnxModel matMul = TinyModels.matMul(7);
        float[] w = matMul.graph().initializer("weight").orElseThrow().floats();
        float[] input = OrtRun.ramp(16);
        float[] y = OrtRun.run(matMul.toBytes(), Map.of("input", new OrtRun.Input(input, 2, 8))).get("output").values();
        for (int row = 0; row < 2; row++) {
            for (int col = 0; col < 4; col++) {
                float expected = 0;
                for (int k = 0; k < 8; k++) {
                    expected += input[row * 8 + k] * w[k * 4 + col];
                }
                assertThat(y[row * 4 + col]).isCloseTo(expected, within(1e-5f));
            }
        }
        float[] pooled = OrtRun.run(TinyModels.globalAveragePool().toBytes(),
                Map.of("input", new OrtRun.Input(OrtRun.ramp(32), 1, 2, 4, 4))).get("output").values();
        float[] ramp = OrtRun.ramp(32);
        float firstMean = 0;
        for (int i = 0; i < 16; i++) {
            firstMean += ramp[i] / 16;
        }
        assertThat(pooled[0]).isCloseTo(firstMean, within(1e-6f));
    }

    @Test
    void sameSeed_givesTheSameBytes_otherSeed_otherWeights() {
        assertThat(TinyModels.smallCnn(42, TinyModels.Batch.fixed(1)).toBytes())
                .isEqualTo(TinyModels.smallCnn(42, TinyModels.Batch.fixed(1)).toBytes());
        assertThat(TinyModels.conv(1).toBytes()).isNotEqualTo(TinyModels.conv(2).toBytes());
        assertThat(TinyModels.mobileNetV2(3, TinyModels.Batch.dynamic()).toBytes())
                .isEqualTo(TinyModels.mobileNetV2(3, TinyModels.Batch.dynamic()).toBytes());
    }

    @Test
    void resnet50_hasTheExpectedParametersAndMacs_andRunsInOrt_withDynamicBatch() throws Exception {
        OnnxModel model = TinyModels.resnet50(5, TinyModels.Batch.dynamic());
        assertThat(model.validate()).isEmpty();
        Graph graph = model.graph();
        // torchvision's ResNet-50 has 25,557,032 parameters; each of its 53 BatchNorms has a weight and a bias
        // per channel (2 x 26,560). Folded into the convolutions they become one bias per channel, so 26,560 fewer.
        assertThat(parameters(graph)).isEqualTo(25_557_032L - 26_560L).isEqualTo(25_530_472L);
        assertThat(graph.nodes(Op.CONV)).hasSize(53);
        assertThat(graph.nodes(Op.ADD)).hasSize(16);
        assertThat(macs(graph)).isEqualTo(4_089_184_256L);

        OrtRun.Output out = OrtRun.run(model.toBytes(), Map.of("input",
                new OrtRun.Input(OrtRun.ramp(2 * 3 * 224 * 224), 2, 3, 224, 224))).get("output");
        assertThat(out.shape()).containsExactly(2, 1000);
        for (float v : out.values()) {
            assertThat(v).isFinite();
        }
    }

    @Test
    void mobileNetV2_hasTheExpectedParametersAndMacs_andRunsInOrt_withFixedBatch() throws Exception {
        OnnxModel model = TinyModels.mobileNetV2(5, TinyModels.Batch.fixed(1));
        assertThat(model.validate()).isEmpty();
        Graph graph = model.graph();
        // torchvision's MobileNetV2 has 3,504,872 parameters; its 52 BatchNorms cover 17,056 channels with a
        // weight and a bias each. Folded, one bias per channel remains: 17,056 fewer.
        assertThat(parameters(graph)).isEqualTo(3_504_872L - 17_056L).isEqualTo(3_487_816L);
        assertThat(graph.nodes(Op.CONV)).hasSize(52);
        assertThat(graph.nodes(Op.CLIP)).hasSize(35);
        assertThat(graph.nodes(Op.ADD)).hasSize(10);
        assertThat(macs(graph)).isEqualTo(300_774_272L);

        OrtRun.Output out = OrtRun.run(model.toBytes(), Map.of("input",
                new OrtRun.Input(OrtRun.ramp(3 * 224 * 224), 1, 3, 224, 224))).get("output");
        assertThat(out.shape()).containsExactly(1, 1000);
        for (float v : out.values()) {
            assertThat(v).isFinite();
        }
    }

    private static long parameters(Graph graph) {
        return graph.initializers().stream().filter(i -> !i.name().startsWith("relu6."))
                .mapToLong(Initializer::elementCount).sum();
    }

    /** MACs from the recorded output shapes and weight shapes: Conv out elements x (Cin/group x kh x kw); Gemm in x out. */
    private static long macs(Graph graph) {
        long total = 0;
        for (Node conv : graph.nodes(Op.CONV)) {
            long[] weight = graph.initializer(conv.input(1)).orElseThrow().dims();
            ValueInfo out = graph.valueInfo(conv.output(0)).orElseThrow();
            long outPerImage = out.shape().dim(1).value() * out.shape().dim(2).value() * out.shape().dim(3).value();
            total += outPerImage * weight[1] * weight[2] * weight[3];
        }
        for (Node gemm : graph.nodes(Op.GEMM)) {
            long[] weight = graph.initializer(gemm.input(1)).orElseThrow().dims();
            total += weight[0] * weight[1];
        }
        return total;
    }

    private static int count(long[] shape) {
        int count = 1;
        for (long dim : shape) {
            count *= (int) dim;
        }
        return count;
    }

    @Test
    void validate_reportsNoProblemsForTheFullModels_evenAsWarnings() {
        assertThat(TinyModels.mobileNetV2(1, TinyModels.Batch.dynamic()).validate()).extracting(Problem::message).isEmpty();
    }
}
