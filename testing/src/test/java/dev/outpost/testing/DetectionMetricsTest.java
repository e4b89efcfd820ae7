package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.testing.Datasets.Box;
import dev.outpost.testing.DetectionMetrics.Prediction;
import dev.outpost.testing.DetectionMetrics.Truth;
import java.util.List;
import org.junit.jupiter.api.Test;

class DetectionMetricsTest {

    private static Truth truth(String image, int classIndex, double x1, double y1, double x2, double y2) {
        return Truth.of(image, new Box(classIndex, x1, y1, x2, y2));
    }

    private static Prediction prediction(String image, int classIndex, double score, double x1, double y1, double x2,
            double y2) {
        return new Prediction(image, score, new Box(classIndex, x1, y1, x2, y2));
    }

    @Test
    void perfect_predictions_give_ap_one() {
        List<Truth> truths = List.of(truth("a", 0, 0, 0, 10, 10), truth("b", 0, 5, 5, 20, 20));
        List<Prediction> predictions = List.of(prediction("a", 0, 0.9, 0, 0, 10, 10), prediction("b", 0, 0.8, 5, 5, 20, 20));

        assertThat(DetectionMetrics.averagePrecision(truths, predictions, 0, 0.5)).isEqualTo(1.0);
        assertThat(DetectionMetrics.meanAveragePrecision50to95(truths, predictions)).isEqualTo(1.0);
    }

    @Test
    void a_higher_scored_false_positive_halves_the_precision() {
        List<Truth> truths = List.of(truth("a", 0, 0, 0, 10, 10));
        List<Prediction> predictions = List.of(prediction("a", 0, 0.9, 50, 50, 60, 60), prediction("a", 0, 0.8, 0, 0, 10, 10));

        assertThat(DetectionMetrics.averagePrecision(truths, predictions, 0, 0.5)).isEqualTo(0.5);
    }

    @Test
    void a_missed_box_caps_recall() {
        List<Truth> truths = List.of(truth("a", 0, 0, 0, 10, 10), truth("b", 0, 0, 0, 10, 10));
        List<Prediction> predictions = List.of(prediction("a", 0, 0.9, 0, 0, 10, 10));

        assertThat(DetectionMetrics.averagePrecision(truths, predictions, 0, 0.5)).isEqualTo(0.5);
    }

    @Test
    void all_point_interpolation_uses_the_best_precision_to_the_right() {
        List<Truth> truths = List.of(truth("a", 0, 0, 0, 10, 10), truth("a", 0, 100, 100, 110, 110));
        // TP (r .5, p 1), FP (r .5, p .5), TP (r 1, p 2/3): AP = .5 * 1 + .5 * 2/3.
        List<Prediction> predictions = List.of(prediction("a", 0, 0.9, 0, 0, 10, 10),
                prediction("a", 0, 0.8, 50, 50, 60, 60), prediction("a", 0, 0.7, 100, 100, 110, 110));

        assertThat(DetectionMetrics.averagePrecision(truths, predictions, 0, 0.5)).isCloseTo(0.5 + 1.0 / 3, within(1e-12));
    }

    @Test
    void a_duplicate_detection_of_a_matched_box_is_a_false_positive() {
        List<Truth> truths = List.of(truth("a", 0, 0, 0, 10, 10), truth("b", 0, 0, 0, 10, 10));
        // TP, duplicate FP, TP: points (.5, 1), (.5, .5), (1, 2/3).
        List<Prediction> predictions = List.of(prediction("a", 0, 0.9, 0, 0, 10, 10),
                prediction("a", 0, 0.8, 1, 0, 10, 10), prediction("b", 0, 0.7, 0, 0, 10, 10));

        assertThat(DetectionMetrics.averagePrecision(truths, predictions, 0, 0.5)).isCloseTo(0.5 + 1.0 / 3, within(1e-12));
    }

    @Test
    void predictions_of_another_class_or_image_do_not_match() {
        List<Truth> truths = List.of(truth("a", 0, 0, 0, 10, 10));

        assertThat(DetectionMetrics.averagePrecision(truths, List.of(prediction("a", 1, 0.9, 0, 0, 10, 10)), 0, 0.5)).isZero();
        assertThat(DetectionMetrics.averagePrecision(truths, List.of(prediction("b", 0, 0.9, 0, 0, 10, 10)), 0, 0.5)).isZero();
    }

    @Test
    void map_averages_the_classes_with_ground_truth_only() {
        List<Truth> truths = List.of(truth("a", 0, 0, 0, 10, 10), truth("a", 1, 0, 0, 10, 10), truth("b", 1, 0, 0, 10, 10));
        List<Prediction> predictions = List.of(prediction("a", 0, 0.9, 0, 0, 10, 10), prediction("a", 1, 0.9, 0, 0, 10, 10),
                prediction("a", 2, 0.99, 0, 0, 10, 10));

        // class 0: AP 1; class 1: AP 0.5; class 2 has no ground truth and is left out.
        assertThat(DetectionMetrics.meanAveragePrecision(truths, predictions, 0.5)).isEqualTo(0.75);
        assertThat(DetectionMetrics.averagePrecision(truths, predictions, 2, 0.5)).isNaN();
    }

    @Test
    void map_50_to_95_counts_a_box_with_iou_075_at_six_of_ten_thresholds() {
        List<Truth> truths = List.of(truth("a", 0, 0, 0, 100, 100));
        List<Prediction> predictions = List.of(prediction("a", 0, 0.9, 0, 0, 100, 75));

        assertThat(DetectionMetrics.iou(truths.getFirst().box(), predictions.getFirst().box())).isEqualTo(0.75);
        assertThat(DetectionMetrics.meanAveragePrecision50to95(truths, predictions)).isCloseTo(0.6, within(1e-12));
    }

    @Test
    void map_without_ground_truth_is_rejected() {
        assertThatThrownBy(() -> DetectionMetrics.meanAveragePrecision(List.of(), List.of(), 0.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no ground truth");
    }
}
