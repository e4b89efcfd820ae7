package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NmsTest {

    private static Detection box(int classIndex, float score, float x1, float y1, float x2, float y2) {
        return new Detection(classIndex, Integer.toString(classIndex), score, x1, y1, x2, y2);
    }

    @Test
    void iou_of_hand_made_boxes() {
        assertThat(box(0, 1, 0, 0, 10, 10).iou(box(0, 1, 5, 0, 15, 10))).isEqualTo(50f / 150f);
        assertThat(box(0, 1, 0, 0, 10, 10).iou(box(0, 1, 10, 0, 20, 10))).isZero();
        assertThat(box(0, 1, 0, 0, 10, 10).iou(box(0, 1, 0, 0, 10, 10))).isEqualTo(1f);
    }

    @Test
    void an_overlapping_lower_score_box_of_the_same_class_is_suppressed() {
        Detection strong = box(1, 0.9f, 0, 0, 10, 10);
        Detection weak = box(1, 0.8f, 1, 0, 11, 10);
        Detection apart = box(1, 0.7f, 50, 50, 60, 60);

        assertThat(Nms.apply(List.of(weak, apart, strong), 0.5f, true, 10)).containsExactly(strong, apart);
    }

    @Test
    void class_wise_keeps_overlapping_boxes_of_other_classes_and_agnostic_does_not() {
        Detection cat = box(1, 0.9f, 0, 0, 10, 10);
        Detection dog = box(2, 0.8f, 0, 0, 10, 10);

        assertThat(Nms.apply(List.of(cat, dog), 0.5f, true, 10)).containsExactly(cat, dog);
        assertThat(Nms.apply(List.of(cat, dog), 0.5f, false, 10)).containsExactly(cat);
    }

    @Test
    void overlap_exactly_at_the_threshold_is_kept() {
        Detection first = box(0, 0.9f, 0, 0, 10, 10);
        Detection half = box(0, 0.8f, 0, 0, 10, 5);

        assertThat(Nms.apply(List.of(first, half), 0.5f, true, 10)).containsExactly(first, half);
        assertThat(Nms.apply(List.of(first, half), 0.49f, true, 10)).containsExactly(first);
    }

    @Test
    void stops_at_max_detections_keeping_the_best() {
        List<Detection> apart = List.of(box(0, 0.3f, 0, 0, 1, 1), box(0, 0.9f, 10, 10, 11, 11), box(0, 0.5f, 20, 20, 21, 21));

        assertThat(Nms.apply(apart, 0.5f, true, 2)).extracting(Detection::score).containsExactly(0.9f, 0.5f);
    }

    @Test
    void equal_scores_keep_the_earlier_candidate() {
        Detection first = box(0, 0.5f, 0, 0, 10, 10);
        Detection second = box(0, 0.5f, 1, 1, 10, 10);

        assertThat(Nms.apply(List.of(first, second), 0.5f, true, 10)).containsExactly(first);
    }
}
