package dev.outpost.serving;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An inference request, independent of the transport (REST and gRPC build the same record).
 *
 * <p>Immutable; the input tensors stay owned by the transport that built them, which closes them
 * after the response was written.
 *
 * @param id the client's request id, echoed in the response; empty when none was given
 * @param model the model name
 * @param version the version, or empty for the highest ready version
 * @param inputs the input tensors, by unique name
 * @param outputs the requested output names in order; empty for every output of the model
 * @param parameters request parameters (String, Long, Double or Boolean values), as sent
 */
public record InferenceRequest(String id, String model, String version, List<NamedTensor> inputs,
                               List<String> outputs, Map<String, Object> parameters) {

    /** Validates non-null components and unique input and output names. */
    public InferenceRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        parameters = Map.copyOf(parameters);
        Set<String> seen = new HashSet<>();
        for (NamedTensor input : inputs) {
            if (!seen.add(input.name())) {
                throw new ServingException(ServingException.Code.INVALID_REQUEST,
                        "Input '" + input.name() + "' is given twice; each input must appear once");
            }
        }
        if (new HashSet<>(outputs).size() != outputs.size()) {
            throw new ServingException(ServingException.Code.INVALID_REQUEST,
                    "Requested outputs " + outputs + " name an output twice; each output must appear once");
        }
    }

    /** A request with no id and no parameters, for every output of the highest ready version. */
    public static InferenceRequest of(String model, List<NamedTensor> inputs) {
        return new InferenceRequest("", model, "", inputs, List.of(), Map.of());
    }
}
