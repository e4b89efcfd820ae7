package dev.outpost.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an operator takes and gives: domain, type, the opset version since which this schema holds,
 * input and output arity (optional inputs count toward the maximum; {@link #VARIADIC} for no
 * maximum) and its attributes.
 *
 * <p>Immutable and thread-safe.
 *
 * @param domain {@code ""} for the default ONNX domain, or e.g. {@code com.microsoft}
 * @param opType the operator name, e.g. {@code Conv}
 * @param sinceVersion the first opset version of the domain for which this schema is right
 * @param minInputs inputs that must be given
 * @param maxInputs inputs that may be given, optional ones included
 * @param minOutputs outputs that must be named
 * @param maxOutputs outputs that may be named
 * @param attributes the attributes the operator accepts
 */
public record OpSchema(String domain, String opType, int sinceVersion, int minInputs, int maxInputs,
        int minOutputs, int maxOutputs, List<AttributeSpec> attributes) {

    /** Arity with no upper bound. */
    public static final int VARIADIC = Integer.MAX_VALUE;

    /** Validates arity (0 <= min <= max) and copies the attribute list. */
    public OpSchema {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(opType, "opType");
        attributes = List.copyOf(attributes);
        if (minInputs < 0 || maxInputs < minInputs || minOutputs < 0 || maxOutputs < minOutputs) {
            throw new IllegalArgumentException("Arity of " + opType + " is inputs " + minInputs + ".." + maxInputs
                    + ", outputs " + minOutputs + ".." + maxOutputs + "; expected 0 <= min <= max");
        }
    }

    /** One attribute: name, type, and whether a node must set it. */
    public record AttributeSpec(String name, AttributeType type, boolean required) {
        /** Requires name and type. */
        public AttributeSpec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }
    }

    /** The spec of attribute {@code name}, if the operator has one. */
    public Optional<AttributeSpec> attribute(String name) {
        return attributes.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /** The Tribuo-style status prefix used in messages, e.g. {@code Conv(2..3 inputs) -> 1}. */
    public String signature() {
        String qualified = domain.isEmpty() ? opType : domain + ":" + opType;
        return qualified + "(" + range(minInputs, maxInputs) + " input" + (maxInputs == 1 ? "" : "s") + ") -> "
                + range(minOutputs, maxOutputs);
    }

    static String range(int min, int max) {
        if (min == max) {
            return Integer.toString(min);
        }
        return min + ".." + (max == VARIADIC ? "n" : Integer.toString(max));
    }
}
