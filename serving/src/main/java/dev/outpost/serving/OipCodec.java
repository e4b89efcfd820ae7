package dev.outpost.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamReadException;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes Open Inference Protocol v2 REST bodies: JSON tensors in every OIP datatype and
 * Triton's binary tensor data extension, with Jackson's streaming parser (no databind).
 *
 * <p>Formats followed: the KServe Open Inference Protocol REST spec (kserve.github.io, "Open Inference
 * Protocol (V2)": {@code $inference_request}, {@code $request_input}, {@code $request_output},
 * {@code $inference_response}, error body {@code {"error": ...}}) and Triton's "Binary Tensor Data
 * Extension" (docs/protocol/extension_binary_data.md in triton-inference-server/server): tensor data
 * after the JSON object, little-endian, row-major, no padding; BOOL one byte 0/1; BYTES elements as a
 * 4-byte little-endian length then the bytes; {@code binary_data_size} on inputs and on response
 * outputs; {@code binary_data} on requested outputs; request parameter {@code binary_data_output}
 * for outputs not listed; header {@code Inference-Header-Content-Length} giving the JSON size when
 * binary data follows. Triton's Python client (tritonclient/http/_utils.py
 * {@code _get_inference_request}) sends {@code binary_data_output: true} when no outputs are listed.
 *
 * <p>Stateless and thread-safe. Binary data is read as little-endian, which is the native order of
 * every platform Outpost targets (x86-64, AArch64).
 */
final class OipCodec {

    /** The header that gives the JSON part's length when binary tensor data follows. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build();

    /** A decoded request and which outputs the client wants in binary. */
    record Decoded(InferenceRequest request, Map<String, Boolean> binaryOutputs, boolean binaryByDefault) {

        /** Closes the input tensors. */
        void release() {
            request.inputs().forEach(input -> input.tensor().close());
        }

        boolean binary(String output) {
            return binaryOutputs.getOrDefault(output, binaryByDefault);
        }
    }

    /** One input as read from JSON, before its data is known to fit. */
    private static final class InputDraft {
        String name;
        long[] shape;
        DType type;
        long binarySize = -1;
        int jsonBytes;
        Tensor tensor;
        List<Object> pendingValues;

        /** The input as messages name it before its name is known. */
        String where() {
            return name == null ? "An input" : "Input '" + name + "'";
        }
    }

    private OipCodec() {
    }

    /**
     * Decodes a request body.
     *
     * @param jsonLength the value of {@link #HEADER_LENGTH}, or -1 when the whole body is JSON
     * @throws ServingException INVALID_REQUEST naming what was expected and what was received
     */
    static Decoded decode(byte[] body, int jsonLength, String model, String version) {
        if (jsonLength > body.length || jsonLength < -1) {
            throw invalid(HEADER_LENGTH + " is " + jsonLength + " but the body has only " + body.length + " bytes");
        }
        int jsonEnd = jsonLength < 0 ? body.length : jsonLength;
        String id = "";
        Map<String, Object> parameters = Map.of();
        List<InputDraft> inputs = new ArrayList<>();
        Map<String, Boolean> binaryOutputs = new LinkedHashMap<>();
        List<String> outputs = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(body, 0, jsonEnd)) {
            expect(parser.nextToken(), JsonToken.START_OBJECT, "the request body");
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "id" -> id = string(parser, value, "'id'");
                    case "parameters" -> parameters = parameters(parser, value, "request 'parameters'");
                    case "inputs" -> {
                        expect(value, JsonToken.START_ARRAY, "'inputs'");
                        while (parser.nextToken() != JsonToken.END_ARRAY) {
                            inputs.add(input(parser, inputs.size(), jsonEnd));
                        }
                    }
                    case "outputs" -> {
                        expect(value, JsonToken.START_ARRAY, "'outputs'");
                        while (parser.nextToken() != JsonToken.END_ARRAY) {
                            output(parser, outputs, binaryOutputs);
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw invalid("Unexpected content after the request's JSON object" + (jsonLength < 0
                        ? "; binary tensor data needs the " + HEADER_LENGTH + " header" : ""));
            }
        } catch (IOException e) {
            // The parser reads bytes in memory, so every IOException is the body's fault: malformed JSON,
            // nesting or a number beyond StreamReadConstraints, or bytes that are not the encoding they claim.
            inputs.forEach(draft -> closeQuietly(draft.tensor));
            throw invalid("Malformed JSON: " + (e instanceof StreamReadException read ? read.getOriginalMessage() + " at "
                    + read.getLocation().offsetDescription() : e instanceof JsonProcessingException json
                    ? json.getOriginalMessage() : e.getMessage()));
        } catch (RuntimeException e) {
            inputs.forEach(draft -> closeQuietly(draft.tensor));
            throw e;
        }
        try {
            List<NamedTensor> tensors = finish(inputs, body, jsonEnd);
            boolean binaryDefault = Boolean.TRUE.equals(parameters.get("binary_data_output"));
            return new Decoded(new InferenceRequest(id, model, version, tensors, outputs, parameters), binaryOutputs,
                    binaryDefault);
        } catch (RuntimeException e) {
            inputs.forEach(draft -> closeQuietly(draft.tensor));
            throw e;
        }
    }

    /**
     * The {@code ready} flag of a repository index request ({@code {"ready": true}}: only models ready
     * for inference); false for an empty body.
     *
     * @throws ServingException INVALID_REQUEST for malformed JSON, a body that is no object, or a
     *     {@code ready} that is no boolean
     */
    static boolean indexReadyOnly(byte[] body) {
        if (body.length == 0) {
            return false;
        }
        boolean ready = false;
        try (JsonParser parser = JSON.createParser(body)) {
            expect(parser.nextToken(), JsonToken.START_OBJECT, "the repository index request");
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("ready")) {
                    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                        throw invalid("'ready' must be true or false, got " + parser.getText());
                    }
                    ready = value == JsonToken.VALUE_TRUE;
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            throw invalid("Malformed JSON in the repository index request: " + (e instanceof JsonProcessingException json
                    ? json.getOriginalMessage() : e.getMessage()));
        }
        return ready;
    }

    private static InputDraft input(JsonParser parser, int index, int jsonBytes) throws IOException {
        expect(parser.currentToken(), JsonToken.START_OBJECT, "inputs[" + index + "]");
        InputDraft draft = new InputDraft();
        draft.jsonBytes = jsonBytes;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            String where = draft.name == null ? "inputs[" + index + "]" : "input '" + draft.name + "'";
            switch (field) {
                case "name" -> draft.name = string(parser, value, where + " 'name'");
                case "datatype" -> draft.type = RawTensors.datatype(string(parser, value, where + " 'datatype'"), where);
                case "shape" -> draft.shape = shape(parser, value, where);
                case "parameters" -> {
                    Map<String, Object> parameters = parameters(parser, value, where + " 'parameters'");
                    Object size = parameters.get("binary_data_size");
                    if (size != null) {
                        if (!(size instanceof Long bytes) || bytes < 0) {
                            throw invalid(where + ": binary_data_size must be an integer >= 0, got " + size);
                        }
                        draft.binarySize = (Long) size;
                    }
                }
                case "data" -> {
                    if (draft.type != null && draft.shape != null && draft.name != null) {
                        draft.tensor = data(parser, value, draft);
                    } else {
                        draft.pendingValues = new ArrayList<>();
                        walk(parser, value, draft, draft.pendingValues::add);
                    }
                }
                default -> parser.skipChildren();
            }
        }
        String where = "inputs[" + index + "]";
        if (draft.name == null || draft.name.isBlank()) {
            throw invalid(where + " has no 'name'");
        }
        if (draft.type == null) {
            throw invalid("Input '" + draft.name + "' has no 'datatype'; expected one of " + RawTensors.DATATYPES);
        }
        if (draft.shape == null) {
            throw invalid("Input '" + draft.name + "' has no 'shape'");
        }
        return draft;
    }

    private static void output(JsonParser parser, List<String> outputs, Map<String, Boolean> binary) throws IOException {
        expect(parser.currentToken(), JsonToken.START_OBJECT, "outputs[" + outputs.size() + "]");
        String name = null;
        Map<String, Object> parameters = Map.of();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "name" -> name = string(parser, value, "outputs[" + outputs.size() + "] 'name'");
                case "parameters" -> parameters = parameters(parser, value, "outputs[" + outputs.size() + "] 'parameters'");
                default -> parser.skipChildren();
            }
        }
        if (name == null) {
            throw invalid("outputs[" + outputs.size() + "] has no 'name'");
        }
        outputs.add(name);
        Object flag = parameters.get("binary_data");
        if (flag != null) {
            if (!(flag instanceof Boolean value)) {
                throw invalid("Output '" + name + "': binary_data must be true or false, got " + flag);
            }
            binary.put(name, value);
        }
    }

    private static long[] shape(JsonParser parser, JsonToken value, String where) throws IOException {
        expect(value, JsonToken.START_ARRAY, where + " 'shape'");
        List<Long> dims = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || parser.getLongValue() < 0) {
                throw invalid(where + " 'shape' must hold integers >= 0, got " + parser.getText());
            }
            dims.add(parser.getLongValue());
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static long elementCount(InputDraft draft) {
        long count = 1;
        for (long dim : draft.shape) {
            if (dim != 0 && count > Integer.MAX_VALUE / dim) {
                throw invalid("Input '" + draft.name + "' has shape " + Arrays.toString(draft.shape)
                        + ", more elements than one tensor can hold");
            }
            count *= dim;
        }
        return count;
    }

    /** Reads JSON data straight into a tensor of the draft's type and shape. */
    private static Tensor data(JsonParser parser, JsonToken first, InputDraft draft) throws IOException {
        long count = elementCount(draft);
        if (draft.type == DType.STRING || count > (draft.jsonBytes + 1L) / 2) {
            // n values take at least 2n - 1 bytes of JSON: a shape that claims more cannot match the data, and
            // must not allocate its tensor (a few bytes could claim gigabytes); collecting is bounded by the body.
            List<Object> values = new ArrayList<>();
            walk(parser, first, draft, values::add);
            return fromValues(values, draft);
        }
        Tensor tensor = Tensor.allocate(draft.type, draft.shape);
        try {
            ByteBuffer buffer = tensor.buffer();
            long[] written = {0};
            walk(parser, first, draft, value -> {
                if (written[0] < count) {
                    put(buffer, draft, value, written[0]);
                }
                written[0]++;
            });
            if (written[0] != count) {
                throw invalid("Input '" + draft.name + "' has " + written[0] + " values in 'data'; its shape "
                        + Arrays.toString(draft.shape) + " needs " + count);
            }
            return tensor;
        } catch (RuntimeException | IOException e) {
            tensor.close();
            throw e;
        }
    }

    private interface ValueSink {
        void accept(Object value);
    }

    /**
     * Visits every scalar of a (possibly nested) array, row-major, as a value that outlives the parser:
     * String, Boolean, Long, BigInteger (integers beyond int64) or Double.
     */
    private static void walk(JsonParser parser, JsonToken token, InputDraft draft, ValueSink sink) throws IOException {
        switch (token) {
            case START_ARRAY -> {
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    walk(parser, next, draft, sink);
                }
            }
            case VALUE_STRING -> sink.accept(parser.getText());
            case VALUE_TRUE -> sink.accept(Boolean.TRUE);
            case VALUE_FALSE -> sink.accept(Boolean.FALSE);
            case VALUE_NUMBER_INT -> sink.accept(parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? parser.getBigIntegerValue() : (Object) parser.getLongValue());
            case VALUE_NUMBER_FLOAT -> sink.accept(parser.getDoubleValue());
            default -> throw invalid(draft.where() + " 'data' holds " + (token == JsonToken.VALUE_NULL ? "null"
                    : "an object") + "; expected " + (draft.type == null ? "values" : draft.type.oipName() + " values")
                    + " in (nested) arrays");
        }
    }

    private static void put(ByteBuffer buffer, InputDraft draft, Object value, long index) {
        int i = (int) index;
        DType type = draft.type;
        switch (type) {
            case BOOL -> {
                if (!(value instanceof Boolean bool)) {
                    throw badValue(draft, value, "true or false");
                }
                buffer.put(i, (byte) (bool ? 1 : 0));
            }
            case FLOAT32, FLOAT64, FLOAT16 -> {
                if (!(value instanceof Number number)) {
                    throw badValue(draft, value, "a number");
                }
                double real = number.doubleValue();
                switch (type) {
                    case FLOAT32 -> buffer.putFloat(i * 4, (float) real);
                    case FLOAT64 -> buffer.putDouble(i * 8, real);
                    default -> buffer.putShort(i * 2, Float.floatToFloat16((float) real));
                }
            }
            default -> {
                long[] range = range(type);
                boolean unsigned64 = type == DType.UINT64;
                boolean fits = switch (value) {
                    case Long small -> small >= range[0] && (unsigned64 || small <= range[1]);
                    case BigInteger big -> unsigned64 && big.signum() >= 0 && big.bitLength() <= 64;
                    default -> throw badValue(draft, value, "an integer");
                };
                if (!fits) {
                    throw badValue(draft, value, "an integer in " + (unsigned64 ? "[0, 18446744073709551615]"
                            : "[" + range[0] + ", " + range[1] + "]"));
                }
                long bits = ((Number) value).longValue();
                switch (type.byteSize()) {
                    case 1 -> buffer.put(i, (byte) bits);
                    case 2 -> buffer.putShort(i * 2, (short) bits);
                    case 4 -> buffer.putInt(i * 4, (int) bits);
                    default -> buffer.putLong(i * 8, bits);
                }
            }
        }
    }

    private static long[] range(DType type) {
        return switch (type) {
            case INT8 -> new long[] {Byte.MIN_VALUE, Byte.MAX_VALUE};
            case UINT8 -> new long[] {0, 255};
            case INT16 -> new long[] {Short.MIN_VALUE, Short.MAX_VALUE};
            case UINT16 -> new long[] {0, 65535};
            case INT32 -> new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE};
            case UINT32 -> new long[] {0, 4294967295L};
            case UINT64 -> new long[] {0, Long.MAX_VALUE};
            default -> new long[] {Long.MIN_VALUE, Long.MAX_VALUE};
        };
    }

    private static ServingException badValue(InputDraft draft, Object value, String expected) {
        return invalid("Input '" + draft.name + "' (" + draft.type.oipName() + ") has value " + value
                + " in 'data'; expected " + expected);
    }

    /** A tensor from collected values (BYTES, or data that came before datatype/shape). */
    private static Tensor fromValues(List<Object> values, InputDraft draft) {
        long count = elementCount(draft);
        if (values.size() != count) {
            throw invalid("Input '" + draft.name + "' has " + values.size() + " values in 'data'; its shape "
                    + Arrays.toString(draft.shape) + " needs " + count);
        }
        if (draft.type == DType.STRING) {
            String[] strings = new String[values.size()];
            for (int i = 0; i < strings.length; i++) {
                if (!(values.get(i) instanceof String text)) {
                    throw badValue(draft, values.get(i), "a string");
                }
                strings[i] = text;
            }
            return Tensor.ofStrings(strings, draft.shape);
        }
        Tensor tensor = Tensor.allocate(draft.type, draft.shape);
        try {
            for (int i = 0; i < values.size(); i++) {
                put(tensor.buffer(), draft, values.get(i), i);
            }
            return tensor;
        } catch (RuntimeException e) {
            tensor.close();
            throw e;
        }
    }

    /** Builds the tensors: JSON data, or the binary section in input order. */
    private static List<NamedTensor> finish(List<InputDraft> drafts, byte[] body, int binaryStart) {
        int offset = binaryStart;
        List<NamedTensor> tensors = new ArrayList<>();
        for (InputDraft draft : drafts) {
            if (draft.binarySize >= 0) {
                if (draft.tensor != null || draft.pendingValues != null) {
                    throw invalid("Input '" + draft.name + "' has both 'data' and binary_data_size; send one");
                }
                if (binaryStart == body.length && draft.binarySize > 0 && offset == body.length) {
                    throw invalid("Input '" + draft.name + "' has binary_data_size " + draft.binarySize + " but the body "
                            + "has no binary data after the JSON; send the " + HEADER_LENGTH + " header");
                }
                if (draft.binarySize > body.length - offset) {
                    throw invalid("Input '" + draft.name + "' has binary_data_size " + draft.binarySize + " but only "
                            + (body.length - offset) + " bytes of binary data are left in the body");
                }
                draft.tensor = binary(draft, body, offset, (int) draft.binarySize);
                offset += (int) draft.binarySize;
            } else if (draft.pendingValues != null) {
                draft.tensor = fromValues(draft.pendingValues, draft);
            } else if (draft.tensor == null) {
                throw invalid("Input '" + draft.name + "' has neither 'data' nor a binary_data_size parameter");
            }
            tensors.add(new NamedTensor(draft.name, draft.tensor));
        }
        if (offset != body.length) {
            throw invalid("The body has " + (body.length - offset) + " bytes after the JSON and the inputs' binary data"
                    + " (binary_data_size values add up to " + (offset - binaryStart) + ")");
        }
        return tensors;
    }

    private static Tensor binary(InputDraft draft, byte[] body, int offset, int size) {
        return RawTensors.decode(ByteBuffer.wrap(body, offset, size), draft.type, draft.shape, elementCount(draft),
                "Input '" + draft.name + "'", "binary data", "has binary_data_size " + size);
    }

    private static Map<String, Object> parameters(JsonParser parser, JsonToken value, String where) throws IOException {
        expect(value, JsonToken.START_OBJECT, where);
        Map<String, Object> parameters = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken token = parser.nextToken();
            parameters.put(key, switch (token) {
                case VALUE_STRING -> parser.getText();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NUMBER_INT -> {
                    if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        throw invalid(where + " '" + key + "' is out of the int64 range");
                    }
                    yield parser.getLongValue();
                }
                case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
                default -> throw invalid(where + " '" + key + "' is " + token.asString()
                        + "; a parameter is a string, number or boolean");
            });
        }
        return parameters;
    }

    private static String string(JsonParser parser, JsonToken value, String where) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            throw invalid(where + " must be a string, got " + describe(value, parser));
        }
        return parser.getText();
    }

    private static void expect(JsonToken actual, JsonToken expected, String where) {
        if (actual != expected) {
            throw invalid(where + " must be " + (expected == JsonToken.START_OBJECT ? "a JSON object" : "a JSON array")
                    + ", got " + (actual == null ? "nothing" : actual.asString() == null ? actual.name() : actual.asString()));
        }
    }

    private static String describe(JsonToken token, JsonParser parser) throws IOException {
        return token == null ? "nothing" : token.isScalarValue() ? parser.getText() : token.asString();
    }

    private static ServingException invalid(String message) {
        return new ServingException(ServingException.Code.INVALID_REQUEST, message);
    }

    private static void closeQuietly(Tensor tensor) {
        if (tensor != null) {
            tensor.close();
        }
    }
}
