package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OipClient against a real server (mnist) over all three protocols, and HttpConnection's framing against a scripted peer. */
class OipClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static InferenceServer server;

    @BeforeAll
    static void start() {
        ModelManager models = ModelManager.create(ModelRepository.ofFiles(List.of(
                SharedModels.model("mnist_cntk.onnx"))), ServingConfig.defaults());
        models.loadAll();
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0).withGrpcPort(0));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static OipClient client(OipClient.Protocol protocol) {
        return OipClient.connect(protocol, "127.0.0.1", protocol == OipClient.Protocol.GRPC ? server.grpcPort()
                : server.port(), TIMEOUT);
    }

    private static Tensor digit() {
        Random random = new Random(5);
        float[] pixels = new float[784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256);
        }
        return Tensor.of(pixels, 1, 1, 28, 28);
    }

    @Test
    void everyProtocol_readsTheInputs_andAnswersAPreparedRequestManyTimesOnOneConnection() {
        for (OipClient.Protocol protocol : OipClient.Protocol.values()) {
            try (OipClient client = client(protocol); Tensor pixels = digit()) {
                assertThat(client.inputs("mnist_cntk", "")).as(protocol.label())
                        .containsExactly(TensorSpec.of("Input3", DType.FLOAT32, 1, 1, 28, 28));
                OipClient.Request request = client.prepare("mnist_cntk", "", List.of(new NamedTensor("Input3", pixels)));
                for (int i = 0; i < 50; i++) {
                    OipClient.Reply reply = client.send(request);
                    assertThat(reply.ok()).as(protocol.label() + " " + reply).isTrue();
                    assertThat(reply.error()).isEmpty();
                    assertThat(reply.bytes()).as(protocol.label()).isGreaterThan(40);
                }
            }
        }
        assertThat(server.models().metrics().scrape()).contains("model=\"mnist_cntk\"");
    }

    @Test
    void binaryRest_sendsTheRawBytes_whileJsonRestSpellsOutEachValue() {
        try (OipClient binary = client(OipClient.Protocol.REST); OipClient json = client(OipClient.Protocol.REST_JSON);
             Tensor pixels = digit()) {
            List<NamedTensor> inputs = List.of(new NamedTensor("Input3", pixels));
            OipClient.Request raw = binary.prepare("mnist_cntk", "1", inputs);
            OipClient.Request text = json.prepare("mnist_cntk", "1", inputs);
            assertThat(raw.bytes()).isBetween(784 * 4 + 50, 784 * 4 + 300);
            assertThat(text.bytes()).isGreaterThan(784 * 3);
            OipClient.Reply binaryReply = binary.send(raw);
            OipClient.Reply jsonReply = json.send(text);
            assertThat(binaryReply.ok()).as(binaryReply.toString()).isTrue();
            assertThat(jsonReply.ok()).as(jsonReply.toString()).isTrue();
        }
    }

    @Test
    void serverErrors_areReplies_withTheServersMessage_notExceptions() {
        try (OipClient rest = client(OipClient.Protocol.REST); OipClient grpc = client(OipClient.Protocol.GRPC);
             Tensor wrong = Tensor.of(new float[10], 1, 10)) {
            List<NamedTensor> inputs = List.of(new NamedTensor("Input3", wrong));
            OipClient.Reply restReply = rest.send(rest.prepare("mnist_cntk", "", inputs));
            assertThat(restReply.ok()).isFalse();
            assertThat(restReply.status()).isEqualTo("400");
            assertThat(restReply.error()).contains("Input3").contains("[1,1,28,28]");
            OipClient.Reply grpcReply = grpc.send(grpc.prepare("ghost", "", inputs));
            assertThat(grpcReply.ok()).isFalse();
            assertThat(grpcReply.status()).isEqualTo("NOT_FOUND");
            assertThat(grpcReply.error()).contains("ghost");
            OipClient.Reply after = rest.send(rest.prepare("ghost", "", inputs));
            assertThat(after.status()).as("the connection survives an error answer").isEqualTo("404");
        }
    }

    @Test
    void metadataOfAnUnknownModel_isModelNotFound_overBothTransports() {
        for (OipClient.Protocol protocol : List.of(OipClient.Protocol.REST, OipClient.Protocol.GRPC)) {
            try (OipClient client = client(protocol)) {
                assertThatThrownBy(() -> client.inputs("ghost", "")).as(protocol.label())
                        .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code())
                                .isEqualTo(ServingException.Code.MODEL_NOT_FOUND))
                        .hasMessageContaining("ghost");
            }
        }
    }

    @Test
    void aPortWithNoServer_isUnreachable_namingTheAddress() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        for (OipClient.Protocol protocol : OipClient.Protocol.values()) {
            try (OipClient client = OipClient.connect(protocol, "127.0.0.1", port, Duration.ofSeconds(5));
                 Tensor pixels = digit()) {
                OipClient.Request request = client.prepare("m", "", List.of(new NamedTensor("x", pixels)));
                assertThatThrownBy(() -> client.send(request)).as(protocol.label())
                        .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code())
                                .isEqualTo(ServingException.Code.UNREACHABLE))
                        .hasMessageContaining("127.0.0.1:" + port);
            }
        }
    }

    @Test
    void connect_refusesBadArguments() {
        assertThatThrownBy(() -> OipClient.connect(OipClient.Protocol.REST, "127.0.0.1", 0, TIMEOUT))
                .hasMessageContaining("port must be within 1..65535, got 0");
        assertThatThrownBy(() -> OipClient.connect(OipClient.Protocol.REST, "127.0.0.1", 80, Duration.ZERO))
                .hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> OipClient.Protocol.parse("soap"))
                .hasMessageContaining("expected rest, rest-json or grpc");
        assertThat(OipClient.Protocol.parse(" GRPC")).isEqualTo(OipClient.Protocol.GRPC);
    }

    /**
     * A peer that answers the first request chunked and then closes, the second with Content-Length:
     * the connection decodes both framings and reconnects once when a kept-alive connection was closed.
     */
    @Test
    void httpConnection_decodesChunkedBodies_andReconnectsWhenAKeptAliveConnectionWasClosed() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
            Thread script = Thread.ofPlatform().daemon().start(() -> {
                try {
                    try (Socket first = peer.accept()) {
                        readRequest(first.getInputStream());
                        first.getOutputStream().write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        first.getOutputStream().flush();
                    }
                    try (Socket second = peer.accept()) {
                        readRequest(second.getInputStream());
                        OutputStream out = second.getOutputStream();
                        out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n{\"error\":\"no such\"}"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (HttpConnection connection = new HttpConnection("127.0.0.1", peer.getLocalPort(), 10_000)) {
                HttpConnection.Response chunked = connection.exchange("GET", "/a", null);
                assertThat(chunked.status()).isEqualTo(200);
                assertThat(new String(chunked.body(), StandardCharsets.UTF_8)).isEqualTo("hello, world");
                HttpConnection.Response again = connection.exchange("POST", "/b", "x".getBytes(StandardCharsets.UTF_8),
                        "Content-Type", "text/plain");
                assertThat(again.status()).isEqualTo(404);
                assertThat(OipClient.errorOf(again.body())).isEqualTo("no such");
            }
            script.join();
        }
    }

    /** Reads one request's head and its Content-Length body. */
    private static void readRequest(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("request ended early: " + head);
            }
            head.append((char) c);
        }
        String text = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = text.indexOf("content-length:");
        if (at >= 0) {
            int length = Integer.parseInt(text.substring(at + 15, text.indexOf("\r\n", at)).trim());
            in.readNBytes(length);
        }
    }
}
