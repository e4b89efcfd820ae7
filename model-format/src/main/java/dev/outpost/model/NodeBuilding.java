package dev.outpost.model;

import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.OpSchema.AttributeSpec;
import dev.outpost.model.proto.Onnx.NodeProto;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Builds a {@link NodeProto} from an {@link Op} and checks it against the op's schema, Tribuo style:
 * every message starts with the op's signature ({@code Building Conv(2..3 inputs) -> 1}) and says
 * what was expected and what was received. Stateless and thread-safe.
 */
final class NodeBuilding {

    private NodeBuilding() {
    }

    static NodeProto build(Op op, List<String> inputs, List<String> outputs, Map<String, ?> attributes,
            OnnxModel model, String nodeName) {
        OpSchema schema = op.schema();
        String status = "Building " + schema.signature();
        if (inputs.size() < schema.minInputs() || inputs.size() > schema.maxInputs()) {
            throw new ModelFormatException(Code.INVALID_MODEL, status + ": expected "
                    + OpSchema.range(schema.minInputs(), schema.maxInputs()) + " inputs, received " + inputs.size()
                    + " " + inputs);
        }
        for (int i = 0; i < schema.minInputs(); i++) {
            if (inputs.get(i) == null || inputs.get(i).isEmpty()) {
                throw new ModelFormatException(Code.INVALID_MODEL, status + ": expected a tensor name for required input "
                        + i + ", received an empty name in " + inputs);
            }
        }
        if (outputs.size() < schema.minOutputs() || outputs.size() > schema.maxOutputs()) {
            throw new ModelFormatException(Code.INVALID_MODEL, status + ": expected "
                    + OpSchema.range(schema.minOutputs(), schema.maxOutputs()) + " outputs, received " + outputs.size()
                    + " " + outputs);
        }
        if (outputs.stream().anyMatch(o -> o == null) || outputs.stream().filter(o -> !o.isEmpty()).distinct().count()
                != outputs.stream().filter(o -> !o.isEmpty()).count()) {
            throw new ModelFormatException(Code.INVALID_MODEL, status + ": expected distinct output names, received "
                    + outputs);
        }
        List<String> known = schema.attributes().stream().map(AttributeSpec::name).toList();
        for (String name : attributes.keySet()) {
            if (!known.contains(name)) {
                throw new ModelFormatException(Code.INVALID_MODEL, status + ": unexpected attribute '" + name
                        + "'; expected one of " + known);
            }
        }
        for (AttributeSpec spec : schema.attributes()) {
            if (spec.required() && !attributes.containsKey(spec.name())) {
                throw new ModelFormatException(Code.INVALID_MODEL, status + ": expected required attribute '"
                        + spec.name() + "' (" + spec.type() + "), received only " + attributes.keySet());
            }
        }
        if (op == Op.ML_ZIP_MAP && attributes.containsKey("classlabels_int64s") == attributes.containsKey("classlabels_strings")) {
            throw new ModelFormatException(Code.INVALID_MODEL, status + ": expected exactly one of classlabels_int64s "
                    + "and classlabels_strings, received " + attributes.keySet());
        }
        NodeProto.Builder node = NodeProto.newBuilder().setName(nodeName).setOpType(op.opType());
        if (!op.domain().isEmpty()) {
            node.setDomain(op.domain());
        }
        inputs.forEach(node::addInput);
        outputs.forEach(node::addOutput);
        for (AttributeSpec spec : schema.attributes()) {
            Object value = attributes.get(spec.name());
            if (value != null) {
                node.addAttribute(Attributes.toProto(spec.name(), value, spec.type(), status));
            }
        }
        importDomain(op, model, status);
        return node.build();
    }

    /**
     * Builds a node of a custom operator (outside the catalog), checking only names; attribute types
     * follow the Java values. Imports the domain at version 1 when the model lacks it.
     */
    static NodeProto buildCustom(String domain, String opType, List<String> inputs, List<String> outputs,
            Map<String, ?> attributes, OnnxModel model, String nodeName) {
        String status = "Building custom operator " + domain + ":" + opType;
        if (OpCatalog.knowsDomain(domain) || OpCatalog.find(domain, opType).isPresent()) {
            throw new ModelFormatException(Code.INVALID_EDIT, status + ": expected a domain outside the catalog's, "
                    + "received " + OpCatalog.displayDomain(domain) + ", whose operators are built through Op "
                    + "(Graph.add) so that their schema is checked");
        }
        if (domain.isBlank() || opType.isBlank()) {
            throw new ModelFormatException(Code.INVALID_MODEL, status + ": expected a non-blank domain and operator name");
        }
        if (inputs.stream().anyMatch(i -> i == null) || outputs.isEmpty()
                || outputs.stream().anyMatch(o -> o == null || o.isEmpty()) || outputs.stream().distinct().count() != outputs.size()) {
            throw new ModelFormatException(Code.INVALID_MODEL, status + ": expected non-null inputs and at least one "
                    + "output, all outputs named and distinct; received inputs " + inputs + ", outputs " + outputs);
        }
        NodeProto.Builder node = NodeProto.newBuilder().setName(nodeName).setOpType(opType).setDomain(domain)
                .addAllInput(inputs).addAllOutput(outputs);
        attributes.forEach((name, value) -> node.addAttribute(Attributes.toProto(name, value, null, status)));
        if (model.opsetVersion(domain).isEmpty()) {
            model.setOpsetImport(domain, 1);
        }
        return node.build();
    }

    /** Imports the op's domain when the model lacks it; refuses an op newer than the imported opset. */
    private static void importDomain(Op op, OnnxModel model, String status) {
        OptionalLong imported = model.opsetVersion(op.domain());
        if (imported.isEmpty()) {
            model.setOpsetImport(op.domain(), op.domain().isEmpty() ? OnnxModel.DEFAULT_OPSET : 1);
        } else if (imported.getAsLong() < op.schema().sinceVersion()) {
            throw new ModelFormatException(Code.INVALID_MODEL, status + ": this schema needs opset >= "
                    + op.schema().sinceVersion() + " of " + OpCatalog.displayDomain(op.domain())
                    + ", the model imports " + imported.getAsLong());
        }
    }
}
