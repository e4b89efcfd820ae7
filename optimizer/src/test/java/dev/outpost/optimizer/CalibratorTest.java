package dev.outpost.optimizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.model.OnnxModel;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.Tensor;
import dev.outpost.testing.TinyModels;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Calibration on a model whose tensors are known: x -> Relu -> y, two samples. */
class CalibratorTest {

    private static InferenceEngine engine;
    private static final OnnxModel MODEL = TinyModels.relu();
    private static final float[][] SAMPLES = {{-1f, 0f, 2f, 4f}, {-3f, 1f, 1f, 8f}};

    @BeforeAll
    static void openEngine() {
        engine = InferenceEngine.create();
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    private static CalibrationData data(float[][] samples) {
        return new CalibrationData() {
            @Override
            public int size() {
                return samples.length;
            }

            @Override
            public Map<String, Tensor> sample(int index) {
                return Map.of(TinyModels.INPUT, Tensor.of(samples[index], 1, 4));
            }

            @Override
            public String description() {
                return "two samples";
            }

            @Override
            public String digest() {
                return "test";
            }
        };
    }

    private static Map<String, TensorRange> ranges(CalibrationMethod method) {
        return new Calibrator(engine, method, 99.999, 2048, 128)
                .calibrate(MODEL, Set.of(TinyModels.INPUT, TinyModels.OUTPUT), Set.of(TinyModels.INPUT),
                        data(SAMPLES), step -> { })
                .ranges();
    }

    @Test
    void minmax_takes_the_extremes_of_all_samples_for_inputs_and_intermediate_tensors() {
        Map<String, TensorRange> ranges = ranges(CalibrationMethod.MINMAX);
        assertThat(ranges.get(TinyModels.INPUT)).isEqualTo(TensorRange.seen(-3, 8));
        assertThat(ranges.get(TinyModels.OUTPUT)).isEqualTo(TensorRange.seen(0, 8));
    }

    @Test
    void mean_minmax_averages_each_samples_extremes() {
        Map<String, TensorRange> ranges = ranges(CalibrationMethod.MEAN_MINMAX);
        assertThat(ranges.get(TinyModels.INPUT)).isEqualTo(new TensorRange(-2, 6, -3, 8));
        assertThat(ranges.get(TinyModels.OUTPUT)).isEqualTo(new TensorRange(0, 6, 0, 8));
    }

    @Test
    void channel_means_cover_every_sample() {
        Calibrator.Result result = new Calibrator(engine, CalibrationMethod.MINMAX, 99.999, 2048, 128)
                .calibrate(MODEL, Set.of(), Set.of(TinyModels.INPUT), data(SAMPLES), step -> { });
        // [1, 4]: axis 1 has four channels, one value each per sample
        assertThat(result.channelMeans().get(TinyModels.INPUT)).containsExactly(-2, 0.5, 1.5, 6);
    }

    @Test
    void a_sample_that_does_not_fit_the_model_is_named() {
        float[][] wrong = {{1f, 2f, 3f, 4f}};
        CalibrationData bad = new CalibrationData() {
            @Override
            public int size() {
                return 1;
            }

            @Override
            public Map<String, Tensor> sample(int index) {
                return Map.of(TinyModels.INPUT, Tensor.of(wrong[0], 2, 2));
            }

            @Override
            public String description() {
                return "a misshapen sample";
            }

            @Override
            public String digest() {
                return "bad";
            }
        };
        assertThatThrownBy(() -> new Calibrator(engine, CalibrationMethod.MINMAX, 99.999, 2048, 128)
                .calibrate(MODEL, Set.of(TinyModels.OUTPUT), Set.of(), bad, step -> { }))
                .isInstanceOf(OptimizerException.class)
                .hasMessageContaining("Calibration sample 0 of a misshapen sample does not fit the model");
        assertThat(List.of(CalibrationMethod.values())).hasSize(5);
    }
}
