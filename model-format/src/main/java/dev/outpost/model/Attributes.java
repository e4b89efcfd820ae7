package dev.outpost.model;

import com.google.protobuf.ByteString;
import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.AttributeProto;
import java.util.Collection;

/**
 * Conversions between {@link AttributeProto} and the Java values listed on {@link AttributeType}.
 * Stateless and thread-safe.
 */
final class Attributes {

    private Attributes() {
    }

    /** The attribute's type; inferred from the set field for old models that leave {@code type} unset. */
    static AttributeType typeOf(AttributeProto.Builder attribute) {
        if (attribute.hasType() && attribute.getType() != AttributeProto.AttributeType.UNDEFINED) {
            return switch (attribute.getType()) {
                case FLOAT -> AttributeType.FLOAT;
                case INT -> AttributeType.INT;
                case STRING -> AttributeType.STRING;
                case TENSOR -> AttributeType.TENSOR;
                case GRAPH -> AttributeType.GRAPH;
                case FLOATS -> AttributeType.FLOATS;
                case INTS -> AttributeType.INTS;
                case STRINGS -> AttributeType.STRINGS;
                case TENSORS -> AttributeType.TENSORS;
                case GRAPHS -> AttributeType.GRAPHS;
                default -> null;
            };
        }
        if (attribute.hasF()) {
            return AttributeType.FLOAT;
        } else if (attribute.hasI()) {
            return AttributeType.INT;
        } else if (attribute.hasS()) {
            return AttributeType.STRING;
        } else if (attribute.hasT()) {
            return AttributeType.TENSOR;
        } else if (attribute.hasG()) {
            return AttributeType.GRAPH;
        } else if (attribute.getFloatsCount() > 0) {
            return AttributeType.FLOATS;
        } else if (attribute.getIntsCount() > 0) {
            return AttributeType.INTS;
        } else if (attribute.getStringsCount() > 0) {
            return AttributeType.STRINGS;
        } else if (attribute.getTensorsCount() > 0) {
            return AttributeType.TENSORS;
        } else if (attribute.getGraphsCount() > 0) {
            return AttributeType.GRAPHS;
        }
        return null;
    }

    static Object toJava(AttributeProto.Builder attribute, Graph owner, String nodeLabel) {
        AttributeType type = typeOf(attribute);
        if (type == null) {
            throw new ModelFormatException(Code.INVALID_MODEL, "Attribute '" + attribute.getName() + "' of " + nodeLabel
                    + " has type " + attribute.getType() + ", which this view does not read (it is kept as is)");
        }
        return switch (type) {
            case FLOAT -> attribute.getF();
            case INT -> attribute.getI();
            case STRING -> attribute.getS().toStringUtf8();
            case TENSOR -> Tensors.decode(attribute.getT());
            case GRAPH -> new Graph(attribute.getGBuilder(), owner.model(), owner);
            case FLOATS -> {
                float[] values = new float[attribute.getFloatsCount()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = attribute.getFloats(i);
                }
                yield values;
            }
            case INTS -> attribute.getIntsList().stream().mapToLong(Long::longValue).toArray();
            case STRINGS -> attribute.getStringsList().stream().map(ByteString::toStringUtf8).toList();
            case TENSORS -> attribute.getTensorsList().stream().map(Tensors::decode).toList();
            case GRAPHS -> attribute.getGraphsBuilderList().stream().map(g -> new Graph(g, owner.model(), owner)).toList();
        };
    }

    /** Infers the attribute type of a Java value; null when the value has none. */
    static AttributeType inferType(Object value) {
        return switch (value) {
            case Float f -> AttributeType.FLOAT;
            case Double d -> AttributeType.FLOAT;
            case Long l -> AttributeType.INT;
            case Integer i -> AttributeType.INT;
            case Short s -> AttributeType.INT;
            case Byte b -> AttributeType.INT;
            case Boolean b -> AttributeType.INT;
            case String s -> AttributeType.STRING;
            case TensorData t -> AttributeType.TENSOR;
            case Graph g -> AttributeType.GRAPH;
            case float[] f -> AttributeType.FLOATS;
            case double[] d -> AttributeType.FLOATS;
            case long[] l -> AttributeType.INTS;
            case int[] i -> AttributeType.INTS;
            case String[] s -> AttributeType.STRINGS;
            case Collection<?> c when !c.isEmpty() && c.stream().allMatch(String.class::isInstance) -> AttributeType.STRINGS;
            case Collection<?> c when !c.isEmpty() && c.stream().allMatch(TensorData.class::isInstance) -> AttributeType.TENSORS;
            case Collection<?> c when !c.isEmpty() && c.stream().allMatch(Graph.class::isInstance) -> AttributeType.GRAPHS;
            case Collection<?> c when !c.isEmpty() && c.stream().allMatch(v -> v instanceof Long || v instanceof Integer) -> AttributeType.INTS;
            case Collection<?> c when !c.isEmpty() && c.stream().allMatch(v -> v instanceof Float || v instanceof Double) -> AttributeType.FLOATS;
            default -> null;
        };
    }

    /**
     * Builds an attribute proto from a Java value.
     *
     * @param expected the type the schema wants, or null to infer it from the value
     * @throws ModelFormatException INVALID_MODEL when the value does not fit
     */
    static AttributeProto toProto(String name, Object value, AttributeType expected, String context) {
        AttributeType actual = inferType(value);
        if (actual == null) {
            throw new ModelFormatException(Code.INVALID_MODEL, context + ": attribute '" + name + "' has a value of type "
                    + (value == null ? "null" : value.getClass().getSimpleName())
                    + "; expected Long, Float, String, long[], float[], List<String>, TensorData or Graph");
        }
        AttributeType type = expected == null ? actual : expected;
        if (actual != type) {
            throw new ModelFormatException(Code.INVALID_MODEL, context + ": expected attribute '" + name + "' of type "
                    + type + ", received " + actual + " (" + value.getClass().getSimpleName() + ")");
        }
        AttributeProto.Builder proto = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.forNumber(type.code()));
        switch (value) {
            case Float f -> proto.setF(f);
            case Double d -> proto.setF(d.floatValue());
            case Boolean b -> proto.setI(b ? 1 : 0);
            case Number n -> proto.setI(n.longValue());
            case String s -> proto.setS(ByteString.copyFromUtf8(s));
            case TensorData t -> proto.setT(Tensors.toProto("", t));
            case Graph g -> proto.setG(g.toProto());
            case float[] values -> {
                for (float v : values) {
                    proto.addFloats(v);
                }
            }
            case double[] values -> {
                for (double v : values) {
                    proto.addFloats((float) v);
                }
            }
            case long[] values -> {
                for (long v : values) {
                    proto.addInts(v);
                }
            }
            case int[] values -> {
                for (int v : values) {
                    proto.addInts(v);
                }
            }
            case String[] values -> {
                for (String v : values) {
                    proto.addStrings(ByteString.copyFromUtf8(v));
                }
            }
            case Collection<?> values -> {
                for (Object v : values) {
                    switch (v) {
                        case String s -> proto.addStrings(ByteString.copyFromUtf8(s));
                        case TensorData t -> proto.addTensors(Tensors.toProto("", t));
                        case Graph g -> proto.addGraphs(g.toProto());
                        case Float f -> proto.addFloats(f);
                        case Double d -> proto.addFloats(d.floatValue());
                        case Number n -> proto.addInts(n.longValue());
                        default -> throw new IllegalStateException("unreachable: " + v);
                    }
                }
            }
            default -> throw new IllegalStateException("unreachable: " + value);
        }
        return proto.build();
    }
}
