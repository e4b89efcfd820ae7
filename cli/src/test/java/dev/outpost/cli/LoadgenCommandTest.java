package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.serving.InferenceServer;
import dev.outpost.serving.ModelManager;
import dev.outpost.serving.ModelRepository;
import dev.outpost.serving.ServerConfig;
import dev.outpost.serving.ServingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code outpost loadgen} end to end on a real model over real loopback connections (short durations). */
class LoadgenCommandTest {

    private static final Pattern ROW = Pattern.compile(
            "^\\s+(\\d+ clients?|Poisson [\\d.]+/s)\\s+(\\d+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)$",
            Pattern.MULTILINE);

    private static Path mnist() {
        Path dir = Path.of(System.getProperty("outpost.models", "../shared/models"));
        assumeTrue(Files.isDirectory(dir), "no models folder at " + dir + "; set -Doutpost.models");
        return dir.resolve("mnist_cnn_pytorch.onnx");
    }

    @Test
    void runningServer_closedAndOpenLoopRows_withOrderedPercentiles() throws Exception {
        ModelManager models = ModelManager.create(ModelRepository.ofFiles(List.of(mnist())), ServingConfig.defaults());
        models.loadAll();
        try (InferenceServer server = InferenceServer.start(models, ServerConfig.defaults().withPort(0).withGrpcPort(0))) {
            CliRun rest = CliRun.run("loadgen", "127.0.0.1:" + server.port(), "--model", "mnist_cnn_pytorch",
                    "--clients", "1,2", "--rate", "50", "--duration", "300ms", "--batch", "2");
            assertThat(rest.exitCode()).as(rest.err()).isZero();
            assertThat(rest.out()).contains("over REST (binary tensors), batch 2, inputs input_image FP32[2,1,28,28]");
            Matcher rows = ROW.matcher(rest.out());
            List<String> loads = new java.util.ArrayList<>();
            while (rows.find()) {
                loads.add(rows.group(1));
                assertThat(Long.parseLong(rows.group(2))).as(rows.group()).isGreaterThanOrEqualTo(50);
                double p50 = Double.parseDouble(rows.group(4));
                double p90 = Double.parseDouble(rows.group(5));
                double p99 = Double.parseDouble(rows.group(6));
                assertThat(p50).as(rows.group()).isPositive().isLessThanOrEqualTo(p90);
                assertThat(p90).as(rows.group()).isLessThanOrEqualTo(p99);
            }
            assertThat(loads).containsExactly("1 client", "2 clients", "Poisson 50.0/s");

            CliRun grpc = CliRun.run("loadgen", "127.0.0.1:" + server.grpcPort(), "--protocol", "grpc", "--model",
                    "mnist_cnn_pytorch", "--duration", "200ms");
            assertThat(grpc.exitCode()).as(grpc.err()).isZero();
            assertThat(grpc.out()).contains("over gRPC (raw contents)").containsPattern("1 client\\s+\\d+");
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).as("the server counted the load").containsPattern(
                    "outpost_requests_total\\{[^}]*model=\"mnist_cnn_pytorch\"[^}]*status=\"200\"[^}]*} [1-9]");
        }
    }

    @Test
    void serve_overhead_comparesEveryProtocolWithTheInProcessRun() {
        CliRun run = CliRun.run("loadgen", "--serve", mnist().toString(), "--overhead", "--protocol",
                "rest,rest-json,grpc", "--duration", "500ms");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Serving mnist_cnn_pytorch in this process")
                .contains("Overhead of each protocol over in-process ModelSession.run")
                .containsPattern("in-process run\\s+p50\\s+[\\d.]+ ms.*\\(baseline\\)")
                .containsPattern("rest\\s+adds -?[\\d.]+ ms to the in-process p50 \\(95% interval \\[")
                .containsPattern("rest-json\\s+adds -?[\\d.]+ ms")
                .containsPattern("grpc\\s+adds -?[\\d.]+ ms");
    }

    @Test
    void serve_searchWithOfflineReference_reportsTheFractionOfTheBetterInProcessLayout() {
        CliRun run = CliRun.run("loadgen", "--serve", mnist().toString(), "--max-batch-size", "4",
                "--max-queue-delay", "2ms", "--search", "--latency-bound", "200ms", "--offline-batch", "4",
                "--workers", "8", "--duration", "1s", "--protocol", "grpc", "--max-concurrent-runs", "2",
                "--threads", "1");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("dynamic batching up to 4 rows, 2 ms delay")
                .contains("search: capacity probe with 8 clients")
                .containsPattern("Highest rate held at p99 <= 200.0 ms: [\\d.]+ requests/s");
        // The served layout (2 callers x 1 thread) and one caller with every core: the better one is the bar.
        double layout = number(run.out(), "2 caller\\(s\\) x 1 thread\\(s\\) \\(the served layout\\): ([\\d.]+)");
        double allCores = number(run.out(), "1 caller x \\d+ thread\\(s\\) \\(every core\\): ([\\d.]+)");
        double reference = number(run.out(), "offline throughput at batch 4 \\(the better of the above\\): ([\\d.]+)"
                + " inferences/s; the searched rate is [\\d.]+% of it");
        assertThat(reference).isEqualTo(Math.max(layout, allCores));
    }

    private static double number(String text, String regex) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile(regex).matcher(text);
        assertThat(matcher.find()).as("'" + regex + "' in:%n%s", text).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    @Test
    void badUse_getsClearErrors() {
        CliRun both = CliRun.run("loadgen", "127.0.0.1:8000", "--serve", mnist().toString());
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("not both");

        CliRun noModel = CliRun.run("loadgen", "127.0.0.1:8000");
        assertThat(noModel.exitCode()).isEqualTo(2);
        assertThat(noModel.err()).contains("--model NAME is required");

        CliRun protocol = CliRun.run("loadgen", "--serve", mnist().toString(), "--protocol", "soap");
        assertThat(protocol.exitCode()).isEqualTo(2);
        assertThat(protocol.err()).contains("Unknown protocol 'soap'; expected rest, rest-json or grpc");

        CliRun port = CliRun.run("loadgen", "localhost", "--model", "m");
        assertThat(port.exitCode()).isEqualTo(2);
        assertThat(port.err()).contains("HOST:PORT is 'localhost'; expected e.g. 127.0.0.1:8000");

        CliRun overhead = CliRun.run("loadgen", "127.0.0.1:8000", "--model", "m", "--overhead");
        assertThat(overhead.exitCode()).isEqualTo(2);
        assertThat(overhead.err()).contains("need --serve MODEL");
    }

    @Test
    void deadServer_isOneClearFailure_namingTheAddress() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        CliRun run = CliRun.run("loadgen", "127.0.0.1:" + port, "--model", "m", "--duration", "100ms");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("outpost loadgen: No answer from 127.0.0.1:" + port).doesNotContain("\tat ");
    }

    @Test
    void unknownModel_isOneClearFailure() {
        ModelManager models = ModelManager.create(ModelRepository.ofFiles(List.of(mnist())), ServingConfig.defaults());
        models.loadAll();
        try (InferenceServer server = InferenceServer.start(models, ServerConfig.defaults().withPort(0))) {
            CliRun run = CliRun.run("loadgen", "127.0.0.1:" + server.port(), "--model", "ghost", "--duration", "100ms");
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).contains("answered HTTP 404").contains("ghost").doesNotContain("\tat ");
        }
    }
}
