package dev.outpost.optimizer;

import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.Prediction;
import java.nio.file.Path;
import java.util.List;

/** Test helper: top-1 of a model file through its declared pipeline (metadata, side file or catalog). */
final class QuantAccuracy {

    private QuantAccuracy() {
    }

    static double top1Percent(InferenceEngine engine, Path model, List<Image> images, int[] labels) {
        return top1Percent(engine, model, images, labels, dev.outpost.runtime.SessionConfig.defaults());
    }

    static double top1Percent(InferenceEngine engine, Path model, List<Image> images, int[] labels,
            dev.outpost.runtime.SessionConfig config) {
        try (ModelSession session = engine.open(model, config)) {
            Pipeline pipeline = Pipeline.create(session, Pipeline.declaredFor(model, session));
            int correct = 0;
            for (int from = 0; from < images.size(); from += 16) {
                List<Prediction> predictions = pipeline.run(images.subList(from, Math.min(images.size(), from + 16)))
                        .predictions();
                for (int i = 0; i < predictions.size(); i++) {
                    if (predictions.get(i).classes().getFirst().classIndex() == labels[from + i]) {
                        correct++;
                    }
                }
            }
            return 100.0 * correct / images.size();
        }
    }
}
