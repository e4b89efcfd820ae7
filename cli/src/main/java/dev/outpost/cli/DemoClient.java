package dev.outpost.cli;

import com.google.protobuf.ByteString;
import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import dev.outpost.serving.InferenceServer;
import dev.outpost.serving.proto.GRPCInferenceServiceGrpc;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A client of an {@link InferenceServer} over loopback, as an application would talk to it: images
 * posted to {@code /classify} or {@code /detect}, an OIP v2 {@code /infer} with Triton's binary tensor
 * extension, a KServe v2 gRPC {@code ModelInfer} with raw tensor contents, and a {@code /metrics}
 * scrape. Each call returns its answer with the round trip this client measured.
 *
 * <p>Tensors travel as their bytes: OIP's raw layout is little-endian and row-major, which is the
 * native order of every platform Outpost targets (x86-64, AArch64), as the server assumes too.
 *
 * <p>Every failure (refused connection, timeout, an error status, an answer that is not what the
 * protocol says) is a {@link CliException} that names the request. Not thread-safe; close it.
 */
final class DemoClient implements AutoCloseable {

    /** The binary extension's header: the length of the JSON part that precedes the tensor bytes. */
    private static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** An answer and the client-measured round trip that brought it. */
    record Timed<T>(T value, long nanos) {
    }

    private final HttpClient http;
    private final String base;
    private final ManagedChannel channel;

    private DemoClient(HttpClient http, String base, ManagedChannel channel) {
        this.http = http;
        this.base = base;
        this.channel = channel;
    }

    /** A client of {@code server} listening on {@code host}; gRPC only when the server serves it. */
    static DemoClient to(InferenceServer server, String host) {
        return new DemoClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(),
                "http://" + host + ":" + server.port(), server.servesGrpc()
                        ? NettyChannelBuilder.forAddress(host, server.grpcPort()).usePlaintext().build() : null);
    }

    /** Posts an image file to {@code /v2/models/MODEL/ENDPOINT}; the parsed JSON answer. */
    Timed<Object> postImage(String model, String endpoint, Path image) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(image);
        } catch (IOException e) {
            throw new CliException("Cannot read " + image + ": " + e.getMessage(), e);
        }
        String name = image.getFileName().toString().toLowerCase(Locale.ROOT);
        String type = name.endsWith(".png") ? "image/png" : name.matches(".*\\.jpe?g") ? "image/jpeg"
                : "application/octet-stream";
        String path = "/v2/models/" + model + "/" + endpoint;
        Timed<HttpResponse<byte[]>> answer = send(path, HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
        return new Timed<>(json(path, answer.value().body(), 0, answer.value().body().length), answer.nanos());
    }

    /**
     * One OIP v2 {@code /infer} request in Triton's binary tensor form: the JSON header (its length in
     * {@value #HEADER_LENGTH}), then the input's raw little-endian bytes; the one requested output
     * comes back the same way. The caller closes the returned tensor.
     */
    Timed<Tensor> inferBinary(String model, String input, Tensor tensor, String output) {
        ByteBuffer data = tensor.buffer();
        byte[] header = ("{\"inputs\":[{\"name\":" + Text.json(input) + ",\"shape\":" + shape(tensor.shape())
                + ",\"datatype\":\"" + tensor.type().oipName() + "\",\"parameters\":{\"binary_data_size\":"
                + data.remaining() + "}}],\"outputs\":[{\"name\":" + Text.json(output)
                + ",\"parameters\":{\"binary_data\":true}}]}").getBytes(StandardCharsets.UTF_8);
        byte[] body = ByteBuffer.allocate(header.length + data.remaining()).put(header).put(data).array();
        String path = "/v2/models/" + model + "/infer";
        Timed<HttpResponse<byte[]>> answer = send(path, HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/octet-stream").header(HEADER_LENGTH, String.valueOf(header.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        byte[] reply = answer.value().body();
        return new Timed<>(answerTensor("POST " + path, () -> {
            int jsonLength = Integer.parseInt(answer.value().headers().firstValue(HEADER_LENGTH).orElseThrow(
                    () -> new IllegalArgumentException("no " + HEADER_LENGTH + " header (no binary output)")));
            Object json = Json.parse(reply, 0, jsonLength);
            List<?> dims = Json.list(json, "outputs", 0, "shape");
            long[] shape = dims.stream().mapToLong(dim -> ((Double) dim).longValue()).toArray();
            DType type = DType.parse(Json.text(json, "outputs", 0, "datatype"));
            return Tensor.wrap(ByteBuffer.wrap(reply, jsonLength, reply.length - jsonLength), type, shape);
        }), answer.nanos());
    }

    /** One gRPC {@code ModelInfer} with the input in {@code raw_input_contents}; the caller closes the tensor. */
    Timed<Tensor> grpcInfer(String model, String input, Tensor tensor, String output) {
        if (channel == null) {
            throw new CliException("The server serves no gRPC");
        }
        ModelInferRequest.InferInputTensor.Builder spec = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(input).setDatatype(tensor.type().oipName());
        for (long dim : tensor.shape()) {
            spec.addShape(dim);
        }
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName(model).addInputs(spec)
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(output))
                .addRawInputContents(ByteString.copyFrom(tensor.buffer())).build();
        long start = System.nanoTime();
        ModelInferResponse response;
        try {
            response = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(TIMEOUT.toSeconds(), TimeUnit.SECONDS).modelInfer(request);
        } catch (StatusRuntimeException e) {
            throw new CliException("gRPC ModelInfer of " + model + " at " + channel.authority() + " failed: "
                    + e.getStatus().getCode() + " " + e.getStatus().getDescription(), e);
        }
        long nanos = System.nanoTime() - start;
        return new Timed<>(answerTensor("gRPC ModelInfer of " + model, () -> {
            ModelInferResponse.InferOutputTensor answer = response.getOutputs(0);
            return Tensor.wrap(response.getRawOutputContents(0).asReadOnlyByteBuffer(), DType.parse(answer.getDatatype()),
                    answer.getShapeList().stream().mapToLong(Long::longValue).toArray());
        }), nanos);
    }

    /** The Prometheus text of {@code /metrics}. */
    String metrics() {
        return new String(send("/metrics", HttpRequest.newBuilder(URI.create(base + "/metrics")).GET()).value().body(),
                StandardCharsets.UTF_8);
    }

    private Timed<HttpResponse<byte[]>> send(String path, HttpRequest.Builder request) {
        String what = request.build().method() + " " + base + path;
        long start = System.nanoTime();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new CliException(what + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(what + " was interrupted", e);
        }
        long nanos = System.nanoTime() - start;
        if (response.statusCode() != 200) {
            throw new CliException(what + " answered " + response.statusCode() + ": "
                    + Text.fit(new String(response.body(), StandardCharsets.UTF_8).strip(), 300));
        }
        return new Timed<>(response, nanos);
    }

    private static Object json(String path, byte[] body, int offset, int length) {
        try {
            return Json.parse(body, offset, length);
        } catch (IllegalArgumentException e) {
            throw new CliException("The answer to " + path + " is " + e.getMessage(), e);
        }
    }

    private static Tensor answerTensor(String what, Supplier<Tensor> read) {
        try {
            return read.get();
        } catch (RuntimeException e) {
            throw new CliException("The answer to " + what + " holds no readable output tensor: " + e.getMessage(), e);
        }
    }

    private static String shape(long[] dims) {
        StringBuilder text = new StringBuilder("[");
        for (long dim : dims) {
            text.append(text.length() > 1 ? "," : "").append(dim);
        }
        return text.append(']').toString();
    }

    @Override
    public void close() {
        http.close();
        if (channel != null) {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
