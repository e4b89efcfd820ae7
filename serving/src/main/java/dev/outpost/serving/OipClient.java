package dev.outpost.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.TensorSpec;
import dev.outpost.serving.proto.GRPCInferenceServiceGrpc;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelMetadataRequest;
import dev.outpost.serving.proto.GrpcService.ModelMetadataResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A client of the Open Inference Protocol v2 (any server that speaks it: Outpost, Triton, KServe),
 * built for load generation: a request is encoded once ({@link #prepare}) and sent many times
 * ({@link #send}), so that the client's own cost per request is a socket write and read.
 *
 * <ul>
 *   <li>{@link Protocol#REST}: HTTP/1.1 with Triton's binary tensor extension both ways (inputs after
 *       the JSON header, {@code Inference-Header-Content-Length}; {@code binary_data_output}).</li>
 *   <li>{@link Protocol#REST_JSON}: HTTP/1.1 with tensors as JSON arrays both ways.</li>
 *   <li>{@link Protocol#GRPC}: {@code GRPCInferenceService/ModelInfer} with {@code raw_input_contents}.</li>
 * </ul>
 *
 * <p>Not thread-safe: one persistent connection, one request at a time; use one client per load
 * thread (as many connections as concurrent clients, like Triton's perf_analyzer). Owns its
 * connection; {@link #close()} is idempotent.
 */
public final class OipClient implements AutoCloseable {

    /** How requests travel. */
    public enum Protocol {
        /** REST with binary tensors (Triton's binary data extension). */
        REST("rest"),
        /** REST with JSON tensors. */
        REST_JSON("rest-json"),
        /** gRPC with raw tensor contents. */
        GRPC("grpc");

        private final String label;

        Protocol(String label) {
            this.label = label;
        }

        /** The name used on command lines and in reports: rest, rest-json, grpc. */
        public String label() {
            return label;
        }

        /**
         * The protocol of a label.
         *
         * @throws IllegalArgumentException naming the labels that exist
         */
        public static Protocol parse(String label) {
            for (Protocol protocol : values()) {
                if (protocol.label.equalsIgnoreCase(label.trim())) {
                    return protocol;
                }
            }
            throw new IllegalArgumentException("Unknown protocol '" + label + "'; expected rest, rest-json or grpc");
        }
    }

    /** An encoded request, ready to send any number of times; immutable. */
    public static final class Request {
        private final String model;
        private final String path;
        private final byte[] body;
        private final String[] headers;
        private final ModelInferRequest grpc;

        private Request(String model, String path, byte[] body, String[] headers, ModelInferRequest grpc) {
            this.model = model;
            this.path = path;
            this.body = body;
            this.headers = headers;
            this.grpc = grpc;
        }

        /** Bytes on the wire for the request's payload (HTTP body or protobuf message). */
        public int bytes() {
            return grpc != null ? grpc.getSerializedSize() : body.length;
        }

        @Override
        public String toString() {
            return "OipClient.Request[" + model + ", " + bytes() + " bytes]";
        }
    }

    /**
     * The outcome of one request.
     *
     * @param ok true for HTTP 200 or gRPC OK
     * @param status {@code "200"}, {@code "503"} ... for REST; the gRPC status code name for gRPC
     * @param bytes size of the response payload
     * @param error the server's error message; empty when ok
     */
    public record Reply(boolean ok, String status, int bytes, String error) {
    }

    private final Protocol protocol;
    private final String host;
    private final int port;
    private final Duration timeout;
    private final HttpConnection http;
    private final ManagedChannel channel;

    private OipClient(Protocol protocol, String host, int port, Duration timeout) {
        this.protocol = protocol;
        this.host = host;
        this.port = port;
        this.timeout = timeout;
        if (protocol == Protocol.GRPC) {
            this.http = null;
            // Direct executor: answers are handled on the transport thread, not handed to a pool first.
            this.channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor()
                    .maxInboundMessageSize(Integer.MAX_VALUE).build();
        } else {
            this.http = new HttpConnection(host, port, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            this.channel = null;
        }
    }

    /**
     * A client of the server at {@code host:port} (the REST port, or the gRPC port for
     * {@link Protocol#GRPC}). Connects lazily, on the first request.
     *
     * @param timeout connect and per-request timeout, positive
     */
    public static OipClient connect(Protocol protocol, String host, int port, Duration timeout) {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be within 1..65535, got " + port);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        return new OipClient(protocol, host, port, timeout);
    }

    /** The protocol this client speaks. */
    public Protocol protocol() {
        return protocol;
    }

    /**
     * The model's inputs, from its metadata (a dimension of variable size is -1).
     *
     * @param version empty for the server's choice
     * @throws ServingException MODEL_NOT_FOUND, MODEL_NOT_READY or INVALID_REQUEST as the server
     *     answered; UNREACHABLE when it cannot be reached
     */
    public List<TensorSpec> inputs(String model, String version) {
        if (protocol == Protocol.GRPC) {
            try {
                ModelMetadataResponse metadata = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .modelMetadata(ModelMetadataRequest.newBuilder().setName(model).setVersion(version).build());
                List<TensorSpec> inputs = new ArrayList<>();
                for (ModelMetadataResponse.TensorMetadata input : metadata.getInputsList()) {
                    inputs.add(spec(input.getName(), input.getDatatype(),
                            input.getShapeList().stream().mapToLong(Long::longValue).toArray()));
                }
                return List.copyOf(inputs);
            } catch (StatusRuntimeException e) {
                throw unreachable(e).orElseGet(() -> remote("gRPC " + e.getStatus().getCode(),
                        e.getStatus().getDescription(), e));
            }
        }
        HttpConnection.Response response = exchange("GET", modelPath(model, version), null);
        if (response.status() != 200) {
            throw remote("HTTP " + response.status(), errorOf(response.body()), null);
        }
        return restInputs(response.body(), model);
    }

    /**
     * Encodes a request once.
     *
     * @param version empty for the server's choice
     * @param inputs the input tensors; read now, not kept
     */
    public Request prepare(String model, String version, List<NamedTensor> inputs) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        String path = modelPath(model, version) + "/infer";
        return switch (protocol) {
            case GRPC -> {
                ModelInferRequest.Builder message = ModelInferRequest.newBuilder().setModelName(model)
                        .setModelVersion(version);
                for (NamedTensor input : inputs) {
                    ModelInferRequest.InferInputTensor.Builder tensor = message.addInputsBuilder()
                            .setName(input.name()).setDatatype(input.datatype());
                    for (long dim : input.shape()) {
                        tensor.addShape(dim);
                    }
                    message.addRawInputContents(ByteString.copyFrom(RawTensors.rawView(input.tensor())));
                }
                yield new Request(model, path, null, null, message.build());
            }
            case REST -> {
                ByteArrayOutputStream header = new ByteArrayOutputStream(256);
                List<byte[]> data = new ArrayList<>();
                write(header, inputs, data);
                int jsonLength = header.size();
                data.forEach(header::writeBytes);
                yield new Request(model, path, header.toByteArray(), new String[] {"Content-Type",
                        "application/octet-stream", OipCodec.HEADER_LENGTH, String.valueOf(jsonLength)}, null);
            }
            case REST_JSON -> {
                ByteArrayOutputStream body = new ByteArrayOutputStream(256);
                write(body, inputs, null);
                yield new Request(model, path, body.toByteArray(), new String[] {"Content-Type", "application/json"},
                        null);
            }
        };
    }

    /** Writes the JSON part; with {@code binary} non-null, data goes there and outputs are asked in binary. */
    private static void write(ByteArrayOutputStream target, List<NamedTensor> inputs, List<byte[]> binary) {
        try (JsonGenerator out = OipCodec.JSON.createGenerator(target)) {
            out.writeStartObject();
            out.writeArrayFieldStart("inputs");
            for (NamedTensor input : inputs) {
                out.writeStartObject();
                out.writeStringField("name", input.name());
                out.writeArrayFieldStart("shape");
                for (long dim : input.shape()) {
                    out.writeNumber(dim);
                }
                out.writeEndArray();
                out.writeStringField("datatype", input.datatype());
                if (binary != null) {
                    byte[] data = RawTensors.encode(input.tensor());
                    binary.add(data);
                    out.writeObjectFieldStart("parameters");
                    out.writeNumberField("binary_data_size", data.length);
                    out.writeEndObject();
                } else {
                    out.writeArrayFieldStart("data");
                    OipEncoder.writeData(out, input.tensor());
                    out.writeEndArray();
                }
                out.writeEndObject();
            }
            out.writeEndArray();
            if (binary != null) {
                out.writeObjectFieldStart("parameters");
                out.writeBooleanField("binary_data_output", true);
                out.writeEndObject();
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends a prepared request and reads the whole answer. A server's error answer is a {@link Reply}
     * that is not ok, never an exception.
     *
     * @throws ServingException UNREACHABLE when the server cannot be reached, breaks the connection or
     *     does not answer within the timeout
     */
    public Reply send(Request request) {
        if ((request.grpc != null) != (protocol == Protocol.GRPC)) {
            throw new IllegalArgumentException(request + " was prepared for another protocol than " + protocol.label());
        }
        if (protocol == Protocol.GRPC) {
            try {
                var response = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).modelInfer(request.grpc);
                return new Reply(true, "OK", response.getSerializedSize(), "");
            } catch (StatusRuntimeException e) {
                java.util.Optional<ServingException> down = unreachable(e);
                if (down.isPresent()) {
                    throw down.get();
                }
                return new Reply(false, e.getStatus().getCode().name(), 0,
                        Objects.requireNonNullElse(e.getStatus().getDescription(), ""));
            }
        }
        HttpConnection.Response response = exchange("POST", request.path, request.body, request.headers);
        boolean ok = response.status() == 200;
        return new Reply(ok, String.valueOf(response.status()), response.body().length,
                ok ? "" : errorOf(response.body()));
    }

    private HttpConnection.Response exchange(String method, String path, byte[] body, String... headers) {
        try {
            return http.exchange(method, path, body, headers);
        } catch (IOException e) {
            throw new ServingException(ServingException.Code.UNREACHABLE, "No answer from " + host + ":" + port + " ("
                    + protocol.label() + ") for " + method + " " + path + ": " + e.getMessage(), e);
        }
    }

    private static String modelPath(String model, String version) {
        String encoded = java.net.URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20");
        return "/v2/models/" + encoded + (version.isEmpty() ? "" : "/versions/"
                + java.net.URLEncoder.encode(version, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    /** A gRPC failure that is the transport's, not the server's answer: no connection, or no answer in time. */
    private java.util.Optional<ServingException> unreachable(StatusRuntimeException e) {
        io.grpc.Status.Code code = e.getStatus().getCode();
        if (code == io.grpc.Status.Code.DEADLINE_EXCEEDED || (code == io.grpc.Status.Code.UNAVAILABLE
                && e.getCause() != null)) {
            return java.util.Optional.of(new ServingException(ServingException.Code.UNREACHABLE, "No answer from "
                    + host + ":" + port + " (grpc): " + code + " " + e.getStatus().getDescription(), e));
        }
        return java.util.Optional.empty();
    }

    private ServingException remote(String status, String message, Throwable cause) {
        ServingException.Code code = switch (status) {
            case "HTTP 404", "gRPC NOT_FOUND" -> ServingException.Code.MODEL_NOT_FOUND;
            case "HTTP 503", "gRPC UNAVAILABLE" -> ServingException.Code.MODEL_NOT_READY;
            default -> ServingException.Code.INVALID_REQUEST;
        };
        return new ServingException(code, "The server at " + host + ":" + port + " answered " + status + ": "
                + message, cause);
    }

    /** The message of an OIP error body {@code {"error": "..."}}, else the body as text. */
    static String errorOf(byte[] body) {
        try (JsonParser parser = OipCodec.JSON.createParser(body)) {
            if (parser.nextToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    parser.nextToken();
                    if (field.equals("error") && parser.currentToken() == JsonToken.VALUE_STRING) {
                        return parser.getText();
                    }
                    parser.skipChildren();
                }
            }
        } catch (IOException e) {
            // not JSON: fall through to the text
        }
        String text = new String(body, StandardCharsets.UTF_8);
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** The inputs of a REST model metadata body. */
    private List<TensorSpec> restInputs(byte[] body, String model) {
        List<TensorSpec> inputs = new ArrayList<>();
        String state = "";
        String reason = "";
        try (JsonParser parser = OipCodec.JSON.createParser(body)) {
            expect(parser.nextToken() == JsonToken.START_OBJECT, "an object", model);
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "inputs" -> {
                        expect(parser.currentToken() == JsonToken.START_ARRAY, "an inputs array", model);
                        while (parser.nextToken() == JsonToken.START_OBJECT) {
                            inputs.add(tensorMetadata(parser, model));
                        }
                    }
                    case "state" -> state = parser.getText();
                    case "reason" -> reason = parser.getText();
                    default -> parser.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new ServingException(ServingException.Code.INVALID_REQUEST, "The metadata of model " + model
                    + " from " + host + ":" + port + " is not OIP JSON: " + e.getMessage(), e);
        }
        if (!state.isEmpty() && !state.equals(ModelState.READY.name())) {
            throw new ServingException(ServingException.Code.MODEL_NOT_READY, "Model " + model + " at " + host + ":"
                    + port + " is " + state + (reason.isEmpty() ? "" : ": " + reason));
        }
        return List.copyOf(inputs);
    }

    private TensorSpec tensorMetadata(JsonParser parser, String model) throws IOException {
        String name = "";
        String datatype = "";
        List<Long> shape = new ArrayList<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            switch (field) {
                case "name" -> name = parser.getText();
                case "datatype" -> datatype = parser.getText();
                case "shape" -> {
                    expect(parser.currentToken() == JsonToken.START_ARRAY, "a shape array", model);
                    while (parser.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                        shape.add(parser.getLongValue());
                    }
                }
                default -> parser.skipChildren();
            }
        }
        return spec(name, datatype, shape.stream().mapToLong(Long::longValue).toArray());
    }

    private TensorSpec spec(String name, String datatype, long[] shape) {
        DType type;
        try {
            type = DType.parse(datatype);
        } catch (RuntimeException e) {
            throw new ServingException(ServingException.Code.INVALID_REQUEST, "Input '" + name + "' has datatype '"
                    + datatype + "' in the metadata from " + host + ":" + port + "; expected an OIP datatype", e);
        }
        try {
            return TensorSpec.of(name, type, shape);
        } catch (IllegalArgumentException e) {
            throw new ServingException(ServingException.Code.INVALID_REQUEST, "The metadata from " + host + ":" + port
                    + " describes input '" + name + "' badly: " + e.getMessage(), e);
        }
    }

    private void expect(boolean condition, String what, String model) {
        if (!condition) {
            throw new ServingException(ServingException.Code.INVALID_REQUEST, "The metadata of model " + model
                    + " from " + host + ":" + port + " is not OIP JSON: expected " + what);
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        if (channel != null) {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "OipClient[" + protocol.label() + " " + host + ":" + port + "]";
    }
}
