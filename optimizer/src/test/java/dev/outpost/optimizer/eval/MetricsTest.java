package dev.outpost.optimizer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.optimizer.eval.MeanAveragePrecision.Scored;
import dev.outpost.optimizer.eval.MeanAveragePrecision.Truth;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metric math against cases computed by hand. */
class MetricsTest {

    // ---- top-k ----

    @Test
    void top1_and_top5_count_the_label_among_the_best_classes() {
        TopKAccuracy accuracy = new TopKAccuracy(5);
        accuracy.add(List.of(3, 1, 2), 3);                 // top-1 hit
        accuracy.add(List.of(0, 1, 2, 3, 4, 5), 4);        // 5th: top-5 hit only
        accuracy.add(List.of(0, 1, 2, 3, 4, 5), 5);        // 6th: miss
        accuracy.add(List.of(7), 8);                       // miss

        assertThat(accuracy.samples()).isEqualTo(4);
        assertThat(accuracy.top1()).isEqualTo(0.25);
        assertThat(accuracy.topK()).isEqualTo(0.5);
    }

    @Test
    void top_k_before_any_sample_is_nan_and_empty_rankings_are_refused() {
        TopKAccuracy accuracy = new TopKAccuracy(5);
        assertThat(accuracy.top1()).isNaN();
        assertThatThrownBy(() -> accuracy.add(List.of(), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TopKAccuracy(0)).hasMessageContaining("k 0");
    }

    // ---- mAP ----

    private static Box box(int classIndex, double x1, double y1, double x2, double y2) {
        return new Box(classIndex, x1, y1, x2, y2);
    }

    @Test
    void iou_of_overlapping_disjoint_and_empty_boxes() {
        assertThat(box(0, 0, 0, 10, 10).iou(box(0, 5, 0, 15, 10))).isCloseTo(50.0 / 150, within(1e-12));
        assertThat(box(0, 0, 0, 10, 10).iou(box(0, 10, 0, 20, 10))).isZero();
        assertThat(box(0, 0, 0, 0, 0).iou(box(0, 0, 0, 0, 0))).isZero();
    }

    @Test
    void perfect_detections_have_ap_one() {
        List<Truth> truths = List.of(new Truth(0, box(0, 0, 0, 10, 10)), new Truth(1, box(0, 5, 5, 20, 20)));
        List<Scored> predictions = List.of(new Scored(0, 0.9, box(0, 0, 0, 10, 10)),
                new Scored(1, 0.8, box(0, 5, 5, 20, 20)));

        assertThat(MeanAveragePrecision.averagePrecision(truths, predictions, 0, 0.5)).isEqualTo(1.0);
        assertThat(MeanAveragePrecision.meanAveragePrecision50to95(truths, predictions)).isEqualTo(1.0);
    }

    /**
     * Ranked: hit (P 1, R .5), false positive (P .5, R .5), hit (P 2/3, R 1). Monotone precision
     * 1, 2/3, 2/3; AP = .5 * 1 + .5 * 2/3 = 5/6.
     */
    @Test
    void a_false_positive_between_two_hits_gives_five_sixths() {
        List<Truth> truths = List.of(new Truth(0, box(0, 0, 0, 10, 10)), new Truth(1, box(0, 0, 0, 10, 10)));
        List<Scored> predictions = List.of(
                new Scored(0, 0.9, box(0, 0, 0, 10, 10)),
                new Scored(0, 0.8, box(0, 50, 50, 60, 60)),
                new Scored(1, 0.7, box(0, 0, 0, 10, 10)));

        assertThat(MeanAveragePrecision.averagePrecision(truths, predictions, 0, 0.5)).isCloseTo(5.0 / 6, within(1e-12));
    }

    @Test
    void a_second_detection_of_a_matched_box_is_a_false_positive() {
        List<Truth> truths = List.of(new Truth(0, box(0, 0, 0, 10, 10)), new Truth(1, box(0, 0, 0, 10, 10)));
        List<Scored> predictions = List.of(
                new Scored(0, 0.9, box(0, 0, 0, 10, 10)),
                new Scored(0, 0.8, box(0, 0, 0, 10, 10)),
                new Scored(1, 0.7, box(0, 0, 0, 10, 10)));

        assertThat(MeanAveragePrecision.averagePrecision(truths, predictions, 0, 0.5)).isCloseTo(5.0 / 6, within(1e-12));
    }

    /** IoU 0.6 exactly: a hit at thresholds 0.50, 0.55 and 0.60, a miss at the seven above. */
    @Test
    void a_box_with_iou_six_tenths_counts_at_three_of_the_ten_coco_thresholds() {
        List<Truth> truths = List.of(new Truth(0, box(0, 0, 0, 10, 10)));
        List<Scored> predictions = List.of(new Scored(0, 0.5, box(0, 0, 0, 10, 6)));

        assertThat(MeanAveragePrecision.meanAveragePrecision(truths, predictions, 0.5)).isEqualTo(1.0);
        assertThat(MeanAveragePrecision.meanAveragePrecision(truths, predictions, 0.75)).isEqualTo(0.0);
        assertThat(MeanAveragePrecision.meanAveragePrecision50to95(truths, predictions)).isCloseTo(0.3, within(1e-12));
    }

    @Test
    void map_averages_over_classes_with_ground_truth_only() {
        List<Truth> truths = List.of(new Truth(0, box(0, 0, 0, 10, 10)), new Truth(0, box(1, 20, 20, 30, 30)));
        List<Scored> predictions = List.of(
                new Scored(0, 0.9, box(0, 0, 0, 10, 10)),      // class 0: found
                new Scored(0, 0.9, box(1, 0, 0, 10, 10)),      // class 1: wrong place
                new Scored(0, 0.9, box(2, 20, 20, 30, 30)));   // class 2: no ground truth, ignored

        assertThat(MeanAveragePrecision.averagePrecision(truths, predictions, 2, 0.5)).isNaN();
        assertThat(MeanAveragePrecision.meanAveragePrecision(truths, predictions, 0.5)).isEqualTo(0.5);
    }

    @Test
    void map_without_ground_truth_is_refused() {
        assertThatThrownBy(() -> MeanAveragePrecision.meanAveragePrecision(List.of(), List.of(), 0.5))
                .hasMessageContaining("no ground-truth boxes");
    }

    // ---- fidelity ----

    @Test
    void cosine_of_parallel_orthogonal_and_zero_vectors() {
        assertThat(FidelityAccumulator.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6})).isCloseTo(1.0, within(1e-12));
        assertThat(FidelityAccumulator.cosine(new float[] {1, 0}, new float[] {0, 1})).isZero();
        assertThat(FidelityAccumulator.cosine(new float[] {1, 0}, new float[] {-1, 0})).isEqualTo(-1.0);
        assertThat(FidelityAccumulator.cosine(new float[] {0, 0}, new float[] {0, 0})).isEqualTo(1.0);
        assertThat(FidelityAccumulator.cosine(new float[] {0, 0}, new float[] {1, 0})).isZero();
    }

    /**
     * Sample 1: ref (3, 4), out (3, 5): signal 25, noise 1, cosine 29 / (5 sqrt 34). Sample 2: ref (1, 0),
     * out (0, 1): signal 1, noise 2, cosine 0, argmax differs. SQNR = 10 log10(26 / 3).
     */
    @Test
    void fidelity_over_two_samples_matches_the_hand_computed_figures() {
        FidelityAccumulator accumulator = new FidelityAccumulator("out", "ref", true);
        accumulator.add(new float[] {3, 4}, new float[] {3, 5});
        accumulator.add(new float[] {1, 0}, new float[] {0, 1});

        OutputFidelity result = accumulator.result();

        double firstCosine = 29 / (5 * Math.sqrt(34));
        assertThat(result.name()).isEqualTo("out");
        assertThat(result.referenceName()).isEqualTo("ref");
        assertThat(result.valuesPerSample()).isEqualTo(2);
        assertThat(result.cosineMean()).isCloseTo(firstCosine / 2, within(1e-12));
        assertThat(result.cosineMin()).isZero();
        assertThat(result.sqnrDb()).isCloseTo(10 * Math.log10(26.0 / 3), within(1e-12));
        assertThat(result.maxAbsError()).isEqualTo(1.0);
        assertThat(result.agreementTop1()).hasValue(0.5);
    }

    @Test
    void identical_outputs_have_infinite_sqnr_and_tensor_shaped_outputs_no_agreement() {
        FidelityAccumulator accumulator = new FidelityAccumulator("grid", "grid", false);
        accumulator.add(new float[] {1, -2, 3}, new float[] {1, -2, 3});

        OutputFidelity result = accumulator.result();

        assertThat(result.sqnrDb()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(result.maxAbsError()).isZero();
        assertThat(result.cosineMin()).isCloseTo(1.0, within(1e-12));
        assertThat(result.agreementTop1()).isEmpty();
        assertThat(FidelityAccumulator.sqnrDb(0, 1)).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void outputs_of_different_lengths_are_refused_naming_both() {
        FidelityAccumulator accumulator = new FidelityAccumulator("out", "ref", true);
        assertThatThrownBy(() -> accumulator.add(new float[3], new float[2]))
                .hasMessageContaining("'out' has 2 values").hasMessageContaining("'ref' has 3");
    }

    @Test
    void vector_shaped_outputs_have_one_dimension_besides_the_batch() {
        assertThat(Evaluator.isVector(TensorSpec.of("a", DType.FLOAT32, 1, 1000))).isTrue();
        assertThat(Evaluator.isVector(TensorSpec.of("b", DType.FLOAT32, 1, 1000, 1, 1))).isTrue();
        assertThat(Evaluator.isVector(TensorSpec.of("c", DType.FLOAT32, -1, 10))).isTrue();
        assertThat(Evaluator.isVector(TensorSpec.of("d", DType.FLOAT32, 1000))).isTrue();
        assertThat(Evaluator.isVector(TensorSpec.of("e", DType.FLOAT32, 1, 3549, 85))).isFalse();
        assertThat(Evaluator.isVector(TensorSpec.of("f", DType.FLOAT32))).isFalse();
    }

    @Test
    void median_of_odd_and_even_counts() {
        assertThat(Evaluator.median(new long[] {5, 1, 3})).isEqualTo(3);
        assertThat(Evaluator.median(new long[] {4, 1, 3, 2})).isEqualTo(2);
        assertThat(Evaluator.median(new long[0])).isZero();
    }

    @Test
    void a_limited_subset_is_evenly_spaced_and_keeps_order() {
        List<Integer> all = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(EvalData.subset(all, 5)).containsExactly(0, 2, 4, 6, 8);
        assertThat(EvalData.subset(all, 3)).containsExactly(0, 3, 6);
        assertThat(EvalData.subset(all, 10)).isSameAs(all);
        assertThat(EvalData.subset(all, 1_000)).isSameAs(all);
    }
}
