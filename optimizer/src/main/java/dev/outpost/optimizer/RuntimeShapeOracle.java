package dev.outpost.optimizer;

import dev.outpost.model.ElementType;
import dev.outpost.model.Shape;
import dev.outpost.model.ShapeOracle;
import dev.outpost.model.TypeAndShape;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the tensor shapes that Outpost's Java rules cannot, by letting ONNX Runtime load the
 * augmented model (every unresolved tensor made a graph output) and reading the output types it
 * infers (REFERENCE-INFERENCE.md 2.5). The session is created with graph optimizations off, so no
 * tensor is fused away, and never run.
 *
 * <p>Thread-safe; does not own the engine.
 */
public final class RuntimeShapeOracle implements ShapeOracle {

    private static final System.Logger LOGGER = System.getLogger(RuntimeShapeOracle.class.getName());

    private final InferenceEngine engine;

    /** An oracle that opens sessions on the given engine (not owned). */
    public RuntimeShapeOracle(InferenceEngine engine) {
        this.engine = engine;
    }

    @Override
    public Map<String, TypeAndShape> discover(byte[] augmentedModel) {
        SessionConfig config = SessionConfig.builder()
                .optimizationLevel(SessionConfig.OptimizationLevel.NONE)
                .intraOpThreads(1)
                .build();
        Map<String, TypeAndShape> found = new LinkedHashMap<>();
        try (ModelSession session = engine.open(augmentedModel, config)) {
            for (TensorSpec output : session.outputs()) {
                found.put(output.name(), typeAndShape(output));
            }
        } catch (InferenceException e) {
            LOGGER.log(System.Logger.Level.DEBUG, "ONNX Runtime could not resolve shapes: {0}", e.getMessage());
        }
        return found;
    }

    private static TypeAndShape typeAndShape(TensorSpec spec) {
        ElementType type = ElementType.fromCode(spec.type().onnxCode()).orElse(ElementType.UNDEFINED);
        List<Shape.Dim> dims = new ArrayList<>(spec.rank());
        for (int i = 0; i < spec.rank(); i++) {
            long d = spec.shape().get(i);
            dims.add(d >= 0 ? Shape.Dim.of(d) : Shape.Dim.symbol(spec.dimNames().get(i)));
        }
        return new TypeAndShape(type, Shape.of(dims));
    }
}
