package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.ElementType;
import dev.outpost.model.Graph;
import dev.outpost.model.OnnxModel;
import dev.outpost.model.Op;
import dev.outpost.model.ValueInfo;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The peak kernels {@link PeakCompute} runs are class-path resources (the benchmark module does not
 * depend on model-format). This rebuilds them with the project's graph writer and checks they are
 * exactly that model, so the MAC count PeakCompute divides by ({@code M x K x N}) is the model's.
 * To change a kernel, change {@link #kernel} and write its bytes over the resource.
 */
class PeakKernelModelsTest {

    static OnnxModel kernel(boolean int8) {
        OnnxModel model = OnnxModel.create(int8 ? "outpost_peak_int8" : "outpost_peak_fp32", 17);
        Graph graph = model.graph();
        graph.addInput(ValueInfo.of("a", int8 ? ElementType.UINT8 : ElementType.FLOAT, PeakCompute.M, PeakCompute.K));
        graph.addInput(ValueInfo.of("b", int8 ? ElementType.INT8 : ElementType.FLOAT, PeakCompute.K, PeakCompute.N));
        graph.add(int8 ? Op.MAT_MUL_INTEGER : Op.MAT_MUL, List.of("a", "b"), List.of("y"), Map.of());
        graph.addOutput(ValueInfo.of("y", int8 ? ElementType.INT32 : ElementType.FLOAT, PeakCompute.M, PeakCompute.N));
        return model;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = PeakCompute.class.getResourceAsStream(name)) {
            assertThat(in).as("resource " + name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void fp32_kernel_resource_is_the_float_matmul_of_the_stated_size() throws IOException {
        assertThat(resource(PeakCompute.FP32_MODEL)).isEqualTo(kernel(false).toBytes());
    }

    @Test
    void int8_kernel_resource_is_the_uint8_by_int8_matmulinteger_of_the_stated_size() throws IOException {
        byte[] bytes = resource(PeakCompute.INT8_MODEL);

        assertThat(bytes).isEqualTo(kernel(true).toBytes());
        assertThat(OnnxModel.read(bytes).graph().nodes()).singleElement()
                .satisfies(node -> assertThat(node.opType()).isEqualTo("MatMulInteger"));
    }
}
