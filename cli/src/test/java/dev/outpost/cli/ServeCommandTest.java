package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.serving.InferenceServer;
import dev.outpost.serving.proto.GRPCInferenceServiceGrpc;
import dev.outpost.serving.proto.GrpcService.ModelReadyRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {

    @TempDir
    Path temp;

    private static Path sharedModel(String name) {
        Path dir = Path.of(System.getProperty("outpost.models", "../shared/models"));
        assumeTrue(Files.isDirectory(dir), "no models folder at " + dir + "; set -Doutpost.models");
        return dir.resolve(name);
    }

    /** The serve command as picocli builds it from arguments, started in-process. */
    private static ServeCommand parsed(String... args) {
        CommandLine cli = OutpostCli.commandLine(new Locations(Path.of("/nonexistent/models"),
                Path.of("/nonexistent/data")), Map.of());
        CommandLine.ParseResult result = cli.parseArgs(args);
        return (ServeCommand) result.subcommand().commandSpec().userObject();
    }

    @Test
    void serve_loadsTheModels_logsLoadAndStartupTimes_andAnswersOverHttp() throws Exception {
        Path mnist = sharedModel("mnist_cnn_pytorch.onnx");
        Files.createDirectories(temp.resolve("repo/digits/1"));
        Files.copy(mnist, temp.resolve("repo/digits/1/model.onnx"));
        Files.createDirectories(temp.resolve("repo/bad/1"));
        Files.writeString(temp.resolve("repo/bad/1/model.onnx"), "garbage");
        StringWriter log = new StringWriter();

        try (InferenceServer server = parsed("serve", "--repository", temp.resolve("repo").toString(),
                "--http-port", "0", "--grpc-port", "0").start(new PrintWriter(log, true))) {
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + server.port() + "/v2/models/digits/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
            try {
                assertThat(GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .modelReady(ModelReadyRequest.newBuilder().setName("digits").build()).getReady()).isTrue();
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
        assertThat(log.toString()).containsPattern("Loaded digits version 1 in \\d+ ms")
                .contains("FAILED to load bad version 1: ")
                .containsPattern("Serving 1 of 2 model versions on http://127.0.0.1:\\d+ .*grpc://127.0.0.1:\\d+ .*"
                        + "process start to ready: \\d+ ms");
    }

    @Test
    void serve_withModelFiles_namesEachModelByItsFile() throws Exception {
        Path mnist = sharedModel("mnist_cnn_pytorch.onnx");
        StringWriter log = new StringWriter();
        try (InferenceServer server = parsed("serve", mnist.toString(), "--http-port", "0", "--no-grpc")
                .start(new PrintWriter(log, true))) {
            assertThat(server.models().index()).extracting(status -> status.name() + "@" + status.version())
                    .containsExactly("mnist_cnn_pytorch@1");
            assertThat(server.servesGrpc()).as("--no-grpc").isFalse();
        }
        assertThat(log.toString()).doesNotContain("grpc://");
        assertThat(log.toString()).contains("Loaded mnist_cnn_pytorch version 1 in ");
    }

    @Test
    void serve_withoutModelsOrWithBoth_isAUsageError() {
        CliRun neither = CliRun.run("serve");
        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.err()).contains("Give model files or --repository DIR (one of them, not both)");

        CliRun both = CliRun.run("serve", "a.onnx", "--repository", "dir");
        assertThat(both.exitCode()).isEqualTo(2);

        CliRun badGrpcPort = CliRun.run("serve", "a.onnx", "--grpc-port", "70000");
        assertThat(badGrpcPort.exitCode()).isEqualTo(2);
        assertThat(badGrpcPort.err()).contains("--grpc-port must be within 0..65535, got 70000");
    }

    @Test
    void maxRequestSize_limitsBodies_andBadSizesOrDrainTimesAreUsageErrors() throws Exception {
        Path mnist = sharedModel("mnist_cnn_pytorch.onnx");
        String body = "{\"inputs\":[{\"name\":\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\","
                + "\"data\":[" + String.join(",", java.util.Collections.nCopies(784, "0")) + "]}]}";
        try (InferenceServer server = parsed("serve", mnist.toString(), "--http-port", "0", "--grpc-port", "0",
                "--max-request-size", "1KiB", "--drain-timeout", "5s").start(new PrintWriter(new StringWriter(), true))) {
            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + server.port() + "/v2/models/mnist_cnn_pytorch/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(413);
            assertThat(refused.body()).contains("the limit is 1024");
        }

        CliRun notASize = CliRun.run("serve", "a.onnx", "--max-request-size", "lots");
        assertThat(notASize.exitCode()).isEqualTo(2);
        assertThat(notASize.err()).contains("--max-request-size is 'lots'; expected a whole number of bytes with an"
                + " optional unit B, KiB, MiB or GiB");
        CliRun tooLarge = CliRun.run("serve", "a.onnx", "--max-request-size", "3GiB");
        assertThat(tooLarge.exitCode()).isEqualTo(2);
        assertThat(tooLarge.err()).contains("--max-request-size must be within 1 B and 2147483639 B", "got 3GiB");
        CliRun badDrain = CliRun.run("serve", "a.onnx", "--drain-timeout", "soon");
        assertThat(badDrain.exitCode()).isEqualTo(2);
        assertThat(badDrain.err()).contains("--drain-timeout is 'soon'; expected a number with a unit ms, s or m");
    }

    @Test
    void sizes_parseWithBinaryUnits_andRefuseOverflow() {
        assertThat(Bytes.parse("--x", "1048576")).isEqualTo(1 << 20);
        assertThat(Bytes.parse("--x", "64MiB")).isEqualTo(64L << 20);
        assertThat(Bytes.parse("--x", "512 k")).isEqualTo(512L << 10);
        assertThat(Bytes.parse("--x", "2G")).isEqualTo(2L << 30);
        assertThat(Bytes.parse("--x", "7b")).isEqualTo(7);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bytes.parse("--x", "99999999999999999999GiB"))
                .hasMessageContaining("too large");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bytes.parse("--x", "1.5MiB"))
                .hasMessageContaining("expected a whole number");
    }

    @Test
    @Timeout(60)
    void serve_onAPortInUse_failsWithTheAddressInsteadOfServingNothing() throws Exception {
        DemoModel.Files demo = DemoModel.writeTo(temp, "test");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CliRun run = CliRun.run("serve", demo.model().toString(), "--http-port",
                    String.valueOf(taken.getLocalPort()), "--no-grpc");
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).contains("Cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": the address is in use or not allowed (Address already in use)")
                    .as("one message, no stack trace").doesNotContain("\tat ", "BindException");
        }
    }

    @Test
    @Timeout(60)
    void serve_onAGrpcPortInUse_namesThatPort() throws Exception {
        DemoModel.Files demo = DemoModel.writeTo(temp, "test");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CliRun run = CliRun.run("serve", demo.model().toString(), "--http-port", "0", "--grpc-port",
                    String.valueOf(taken.getLocalPort()));
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).contains("Cannot listen on 127.0.0.1:0 (gRPC " + taken.getLocalPort() + "): gRPC port "
                    + taken.getLocalPort() + ": the address is in use or not allowed (Address already in use)")
                    .doesNotContain("\tat ", "BindException");
        }
    }

    @Test
    void serve_withAMissingRepository_failsWithTheReason() {
        CliRun run = CliRun.run("serve", "--repository", temp.resolve("missing").toString(), "--http-port", "0",
                "--grpc-port", "0");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("is not a folder; expected DIR/<model>/<version>/model.onnx")
                .doesNotContain("at dev.outpost");
    }
}
