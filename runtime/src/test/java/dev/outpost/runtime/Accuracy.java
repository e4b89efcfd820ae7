package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.runtime.PipelineCatalog.CatalogEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Test helper for the accuracy tests: catalog pipelines on real models, top-1 over labeled images. */
final class Accuracy {

    private Accuracy() {
    }

    /** A shared model's catalog pipeline on an open session; the entry is found by content. */
    static Pipeline catalogPipeline(ModelSession session, Path modelFile) {
        CatalogEntry entry = PipelineCatalog.find(modelFile)
                .orElseThrow(() -> new AssertionError("no catalog entry matches the SHA-256 of " + modelFile));
        return Pipeline.create(session, entry.spec(), Optional.of(entry.labels()));
    }

    /**
     * Top-1 accuracy in percent: images run through the pipeline in calls of at most {@code chunk}
     * images (the pipeline splits further for a fixed batch).
     */
    static double top1Percent(Pipeline pipeline, List<Image> images, int[] labels, int chunk) {
        assertThat(labels).hasSize(images.size());
        int correct = 0;
        for (int from = 0; from < images.size(); from += chunk) {
            List<Prediction> predictions = pipeline.run(images.subList(from, Math.min(images.size(), from + chunk)))
                    .predictions();
            for (int i = 0; i < predictions.size(); i++) {
                if (predictions.get(i).classes().getFirst().classIndex() == labels[from + i]) {
                    correct++;
                }
            }
        }
        return 100.0 * correct / images.size();
    }

    /** Prints a measured figure so that it appears in the build log next to its reference. */
    static void report(String what, double measured, double reference) {
        System.out.printf("accuracy: %-48s measured %7.3f  reference %7.3f%n", what, measured, reference);
    }
}
