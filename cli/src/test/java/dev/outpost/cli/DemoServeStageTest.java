package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.serving.InferenceServer;
import dev.outpost.serving.ModelManager;
import dev.outpost.serving.ModelRepository;
import dev.outpost.serving.ServerConfig;
import dev.outpost.serving.ServingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serving stage's failures: each is one CliException naming what failed, and the server is closed. */
class DemoServeStageTest {

    @TempDir
    Path dir;

    private DemoCommand.Walk colourWalk() throws IOException {
        DemoModel.Files files = DemoModel.writeTo(dir, "test");
        return new DemoCommand.Walk(files.model(), "test", files.images(), "generated", files.expected());
    }

    /** The walk's model on a server of its own, REST only, on a free port. */
    private static InferenceServer served(DemoCommand.Walk walk) {
        ModelManager models = ModelManager.create(ModelRepository.ofFiles(List.of(walk.model())), ServingConfig.defaults());
        models.loadAll();
        return InferenceServer.start(models, ServerConfig.defaults().withPort(0));
    }

    @Test
    void aPortInUse_isOneMessageNamingTheAddress() throws IOException {
        DemoCommand.Walk walk = colourWalk();
        StringWriter printed = new StringWriter();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             InferenceEngine engine = InferenceEngine.create()) {
            DemoServeStage stage = new DemoServeStage(engine, new PrintWriter(printed, true));
            ServerConfig busy = ServerConfig.defaults().withPort(taken.getLocalPort()).withGrpcPort(0);

            assertThatThrownBy(() -> stage.run(List.of(walk), busy))
                    .isInstanceOf(CliException.class)
                    .hasMessage("The serving stage failed (--no-serve skips it): Cannot listen on 127.0.0.1:"
                            + taken.getLocalPort() + " (gRPC 0): the address is in use or not allowed (Address already in use)");
        }
        assertThat(printed.toString()).doesNotContain("[serve]");
    }

    @Test
    void aRequestToAServerThatStopped_namesTheRequestAndTheCause() throws IOException {
        DemoCommand.Walk walk = colourWalk();
        InferenceServer server = served(walk);
        try (DemoClient client = DemoClient.to(server, "127.0.0.1")) {
            int port = server.port();
            server.close();

            assertThatThrownBy(() -> client.postImage("outpost-colors", "classify", walk.images().getFirst()))
                    .isInstanceOf(CliException.class)
                    .hasMessageStartingWith("POST http://127.0.0.1:" + port + "/v2/models/outpost-colors/classify failed: ")
                    .hasMessageContaining("ConnectException");
        }
    }

    @Test
    void anErrorStatus_isReportedWithTheServersMessage() throws IOException {
        DemoCommand.Walk walk = colourWalk();
        try (InferenceServer server = served(walk);
             DemoClient client = DemoClient.to(server, "127.0.0.1")) {
            assertThatThrownBy(() -> client.postImage("outpost-colors", "detect", walk.images().getFirst()))
                    .isInstanceOf(CliException.class)
                    .hasMessageContaining("/v2/models/outpost-colors/detect answered 400: ")
                    .hasMessageContaining("is a classification model; use /v2/models/outpost-colors/classify");
        }
    }
}
