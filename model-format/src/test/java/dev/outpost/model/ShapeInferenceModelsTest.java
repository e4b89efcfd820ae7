package dev.outpost.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.proto.Onnx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Shape inference on every model in the shared folder, with value_info stripped: the Java rules alone
 * resolve every tensor, the graph outputs come out as declared, and every intermediate agrees with what
 * ONNX Runtime reports for it (all intermediates appended as untyped outputs, read back from ORT).
 */
class ShapeInferenceModelsTest {

    static List<String> models() {
        return TestModels.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void rules_alone_resolve_every_tensor(String fileName) {
        Onnx.ModelProto model = TestModels.stripped(TestModels.load(fileName));

        InferredTypes types = ShapeInference.infer(model);

        assertThat(types.unresolved()).as("unresolved tensors of " + fileName).isEmpty();
        assertThat(types.origins().values()).doesNotContain(InferredTypes.Origin.VALUE_INFO,
                InferredTypes.Origin.ORACLE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void inferred_graph_outputs_equal_the_declared_ones(String fileName) {
        Onnx.ModelProto model = TestModels.load(fileName);

        InferredTypes types = ShapeInference.infer(TestModels.stripped(model));

        for (Onnx.ValueInfoProto output : model.getGraph().getOutputList()) {
            TypeAndShape declared = ShapeInference.declared(output);
            TypeAndShape inferred = types.get(output.getName());
            assertThat(inferred.elementType()).as(output.getName()).isEqualTo(declared.elementType());
            assertSameDims(output.getName(), inferred.shape(), declared.shape());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void every_intermediate_shape_equals_what_onnx_runtime_reports(String fileName) {
        Onnx.ModelProto model = TestModels.stripped(TestModels.load(fileName));
        InferredTypes types = ShapeInference.infer(model);
        Set<String> all = ShapeInference.intermediates(model, types.tensors().keySet());

        Map<String, TypeAndShape> reported = new OrtShapeOracle()
                .discover(ShapeInference.withExtraOutputs(model, all).toByteArray());

        List<String> differences = new ArrayList<>();
        List<String> ortCannotTell = new ArrayList<>();
        for (String name : all) {
            TypeAndShape ours = types.get(name);
            TypeAndShape ort = reported.get(name);
            if (ort == null) {
                differences.add(name + ": ORT reports nothing");
            } else if (ours.elementType() == ort.elementType() && ortKnowsLess(ours.shape(), ort.shape())) {
                ortCannotTell.add(name);
            } else if (ours.elementType() != ort.elementType() || !sameDims(ours.shape(), ort.shape())) {
                differences.add(name + ": ours " + ours + ", ORT " + ort);
            }
        }
        assertThat(differences).as("tensors of " + fileName + " where Outpost and ORT disagree").isEmpty();
        assertThat(all).as("intermediates compared").isNotEmpty();
        // Where ORT's static inference knows less than the rules (no shape, or dynamic dims), run the
        // model on zeros with every symbolic dimension set to 2 and compare with the real output shapes.
        Map<String, long[]> actual = OrtRuns.runtimeShapes(model, ortCannotTell, SYMBOL_VALUE);
        for (String name : ortCannotTell) {
            long[] expected = types.get(name).shape().dims().stream()
                    .mapToLong(dim -> dim.isKnown() ? dim.value() : SYMBOL_VALUE).toArray();
            assertThat(actual.get(name)).as(name + " at run time (ours " + types.get(name) + ")")
                    .containsExactly(expected);
        }
    }

    private static final long SYMBOL_VALUE = 2;

    /** ORT reports no shape ("[]") or a dynamic dimension where the rules found a number. */
    private static boolean ortKnowsLess(Shape ours, Shape ort) {
        if (ort.rank() == 0 && ours.rank() > 0) {
            return true;
        }
        if (ort.rank() != ours.rank()) {
            return false;
        }
        boolean less = false;
        for (int i = 0; i < ours.rank(); i++) {
            if (ours.dim(i).isKnown() && !ort.dim(i).isKnown()) {
                less = true;
            } else if (ours.dim(i).isKnown() != ort.dim(i).isKnown()
                    || ours.dim(i).value() != ort.dim(i).value()) {
                return false;
            }
        }
        return less;
    }

    /** Known dimensions equal; a symbolic dimension must be dynamic on the other side too. */
    private static boolean sameDims(Shape ours, Shape theirs) {
        if (ours.rank() != theirs.rank()) {
            return false;
        }
        for (int i = 0; i < ours.rank(); i++) {
            Shape.Dim a = ours.dim(i);
            Shape.Dim b = theirs.dim(i);
            if (a.isKnown() != b.isKnown() || (a.isKnown() && a.value() != b.value())) {
                return false;
            }
        }
        return true;
    }

    private static void assertSameDims(String name, Shape inferred, Shape declared) {
        assertThat(sameDims(inferred, declared)).as(name + ": inferred " + inferred + ", declared " + declared)
                .isTrue();
    }

    @Test
    void the_shared_models_are_all_covered() {
        TestModels.folder();
        assertThat(models()).hasSizeGreaterThanOrEqualTo(15);
    }
}
