package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testing.SharedFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * minutes keeps three requests queued until the drain dispatches them.
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
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                OutpostCli.class.getName(), "serve", "--repository", temp.resolve("repo").toString(),
                "--http-port", "0", "--grpc-port", "0");
        Path log = temp.resolve("serve.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        process.getOutputStream().close();
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
