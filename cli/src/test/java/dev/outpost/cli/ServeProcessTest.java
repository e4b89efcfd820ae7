package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testing.SharedFixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code outpost serve} as a real process stopped by SIGTERM: the requests it holds are answered
 * before it exits. They are held deterministically: a batching model whose queue delay is ten
 * minutes keeps three requests queued until the drain dispatches them. A second SIGTERM during a
 * drain stops the process at once.
 */
class ServeProcessTest {

    private static final Pattern READY = Pattern.compile("Serving 1 of 1 model versions on http://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path temp;

    @Test
    void sigterm_answersEveryQueuedRequest_thenStops() throws Exception {
        Path version = Files.createDirectories(temp.resolve("repo/digits/1"));
        Files.copy(SharedFixtures.model("mnist_cnn_pytorch.onnx"), version.resolve("model.onnx"));
        Files.writeString(temp.resolve("repo/digits/config.properties"),
                "max-batch-size=64\nmax-queue-delay-ms=600000\n");
        Path log = temp.resolve("serve.log");
        Process process = serve(log, "--repository", temp.resolve("repo").toString(), "--grpc-port", "0");
        int port = awaitReady(process, log);
        try {
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newHttpClient();
            String zeros = String.join(",", Collections.nCopies(784, "0"));
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v2/models/digits/infer"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"r" + i + "\",\"inputs\":[{\"name\":"
                                + "\"input_image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":[" + zeros
                                + "]}]}")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()
                    .contains("outpost_inflight_requests{model=\"digits\",version=\"1\"} 3")) {
                assertThat(System.nanoTime()).as("three requests queued").isLessThan(deadline);
                Thread.onSpinWait();
            }
            assertThat(answers).as("queued for a batch that takes ten minutes to fill").noneMatch(CompletableFuture::isDone);

            process.destroy();

            for (int i = 0; i < 3; i++) {
                HttpResponse<String> answer = answers.get(i).get(60, TimeUnit.SECONDS);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                assertThat(answer.body()).contains("\"id\":\"r" + i + "\"", "\"name\":\"output_probs\"");
            }
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
            List<String> output = Files.readAllLines(log);
            assertThat(process.exitValue()).as("the status of a process SIGTERM stopped").isEqualTo(143);
            assertThat(output).contains("Shutting down: refusing new requests, draining the running ones", "Stopped");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aSecondSigterm_duringTheDrain_stopsAtOnce() throws Exception {
        Path log = temp.resolve("serve.log");
        Process process = serve(log, SharedFixtures.model("mnist_cnn_pytorch.onnx").toString(), "--no-grpc",
                "--drain-timeout", "10m");
        int port = awaitReady(process, log);
        try (Socket upload = new Socket("127.0.0.1", port)) {
            upload.setSoTimeout(60_000);
            OutputStream body = upload.getOutputStream();
            body.write(("POST /v2/models/mnist_cnn_pytorch/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            body.flush();
            byte[] interim = new byte[25];
            assertThat(upload.getInputStream().readNBytes(interim, 0, interim.length)).isEqualTo(interim.length);
            assertThat(new String(interim, StandardCharsets.US_ASCII))
                    .as("100 Continue: the handler is reading the body, so the drain waits for its answer")
                    .isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            body.write("{\"inputs\": [".getBytes(StandardCharsets.US_ASCII));
            body.flush();

            process.destroy();
            awaitLine(process, log, "Shutting down: refusing new requests, draining the running ones");
            assertThat(process.isAlive()).as("draining: a request body is still arriving").isTrue();
            process.destroy();

            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited on the second SIGTERM").isTrue();
            assertThat(process.exitValue()).isEqualTo(143);
            assertThat(Files.readAllLines(log)).contains("Second SIGTERM: stopping now, without finishing the drain")
                    .doesNotContain("Stopped");
        } finally {
            process.destroyForcibly();
        }
    }

    /** Starts {@code outpost serve ARGS --http-port 0} as a child JVM writing to {@code log}. */
    private static Process serve(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                OutpostCli.class.getName(), "serve", "--http-port", "0"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        process.getOutputStream().close();
        return process;
    }

    /** Waits until {@code log} holds {@code line}. */
    private static void awaitLine(Process process, Path log, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readAllLines(log).contains(line)) {
            assertThat(System.nanoTime()).as("'%s' within 60 s: %s", line, Files.readString(log)).isLessThan(deadline);
            assertThat(process.waitFor(10, TimeUnit.MILLISECONDS)).as("exited before '%s'", line).isFalse();
        }
    }

    /** Waits for the line that says the server is ready and returns its HTTP port. */
    private static int awaitReady(Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log)) {
                Matcher ready = READY.matcher(line);
                if (ready.find()) {
                    return Integer.parseInt(ready.group(1));
                }
            }
            if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("serve exited with " + process.exitValue() + " before it was ready: "
                        + Files.readString(log));
            }
        }
        throw new AssertionError("serve was not ready within 120 s: " + Files.readString(log));
    }
}
