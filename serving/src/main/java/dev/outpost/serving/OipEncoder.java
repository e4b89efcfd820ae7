package dev.outpost.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Writes Open Inference Protocol v2 REST response bodies: outputs as JSON data or, when the request
 * asked for it, as binary data after the JSON (Triton's binary tensor data extension; see
 * {@link OipCodec} for the documents followed), and the error body {@code {"error": "..."}}.
 *
 * <p>Stateless and thread-safe.
 */
final class OipEncoder {

    private OipEncoder() {
    }

    /** An encoded response: the body and, when binary data follows the JSON, the JSON's length. */
    record Encoded(byte[] body, int jsonLength) {
        boolean binary() {
            return jsonLength >= 0;
        }
    }

    /**
     * Encodes a response; outputs are JSON or binary as the request asked. A binary body is assembled
     * once, in an array of its exact size, straight from the output tensors (a YOLOX answer is 1.2 MB:
     * growing buffers and their copies cost 0.3 ms of a 10 ms request).
     */
    static Encoded encode(InferenceResponse response, OipCodec.Decoded request) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(256);
        java.util.List<ByteBuffer> binaries = new java.util.ArrayList<>();
        long binaryBytes = 0;
        try (JsonGenerator out = OipCodec.JSON.createGenerator(json)) {
            out.writeStartObject();
            out.writeStringField("model_name", response.model());
            out.writeStringField("model_version", response.version());
            if (!response.id().isEmpty()) {
                out.writeStringField("id", response.id());
            }
            out.writeArrayFieldStart("outputs");
            for (NamedTensor output : response.outputs()) {
                out.writeStartObject();
                out.writeStringField("name", output.name());
                out.writeStringField("datatype", output.datatype());
                out.writeArrayFieldStart("shape");
                for (long dim : output.shape()) {
                    out.writeNumber(dim);
                }
                out.writeEndArray();
                if (request.binary(output.name())) {
                    // Numeric tensors are copied from their buffer once, into the body; strings are encoded here.
                    ByteBuffer data = RawTensors.rawView(output.tensor());
                    long size = data.remaining();
                    binaries.add(data);
                    binaryBytes += size;
                    out.writeObjectFieldStart("parameters");
                    out.writeNumberField("binary_data_size", size);
                    out.writeEndObject();
                } else {
                    out.writeArrayFieldStart("data");
                    writeData(out, output.tensor());
                    out.writeEndArray();
                }
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (binaries.isEmpty()) {
            return new Encoded(json.toByteArray(), -1);
        }
        int jsonLength = json.size();
        if (jsonLength + binaryBytes > Integer.MAX_VALUE - 16) {
            throw new ServingException(ServingException.Code.INFERENCE_FAILED, "The binary answer would be "
                    + (jsonLength + binaryBytes) + " bytes; one HTTP body holds at most 2 GiB");
        }
        byte[] body = java.util.Arrays.copyOf(json.toByteArray(), (int) (jsonLength + binaryBytes));
        int at = jsonLength;
        for (ByteBuffer data : binaries) {
            int size = data.remaining();
            data.get(body, at, size);
            at += size;
        }
        return new Encoded(body, jsonLength);
    }

    /** The elements of a tensor as JSON values (into an open array), as OIP's {@code data} field holds them. */
    static void writeData(JsonGenerator out, Tensor tensor) throws IOException {
        int count = (int) tensor.elementCount();
        if (tensor.type() == DType.STRING) {
            for (String value : tensor.strings()) {
                out.writeString(value);
            }
            return;
        }
        ByteBuffer data = tensor.buffer();
        for (int i = 0; i < count; i++) {
            switch (tensor.type()) {
                case BOOL -> out.writeBoolean(data.get(i) != 0);
                case FLOAT32 -> out.writeNumber(data.getFloat(i * 4));
                case FLOAT64 -> out.writeNumber(data.getDouble(i * 8));
                case FLOAT16 -> out.writeNumber(Float.float16ToFloat(data.getShort(i * 2)));
                case BFLOAT16 -> out.writeNumber(Float.intBitsToFloat((data.getShort(i * 2) & 0xffff) << 16));
                case INT8 -> out.writeNumber(data.get(i));
                case UINT8 -> out.writeNumber(data.get(i) & 0xff);
                case INT16 -> out.writeNumber(data.getShort(i * 2));
                case UINT16 -> out.writeNumber(data.getShort(i * 2) & 0xffff);
                case INT32 -> out.writeNumber(data.getInt(i * 4));
                case UINT32 -> out.writeNumber(Integer.toUnsignedLong(data.getInt(i * 4)));
                case INT64 -> out.writeNumber(data.getLong(i * 8));
                case UINT64 -> out.writeNumber(Long.toUnsignedString(data.getLong(i * 8)));
                case STRING -> throw new AssertionError("handled above");
            }
        }
    }

    /** The OIP error body {@code {"error": "..."}}. */
    static byte[] error(String message) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(128);
        try (JsonGenerator out = OipCodec.JSON.createGenerator(json)) {
            out.writeStartObject();
            out.writeStringField("error", message);
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return json.toByteArray();
    }

    /** A JSON writer over a fresh buffer, for the metadata endpoints. */
    static JsonGenerator generator(ByteArrayOutputStream out) {
        try {
            return OipCodec.JSON.createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
