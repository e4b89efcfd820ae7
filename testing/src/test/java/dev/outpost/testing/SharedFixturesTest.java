package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.OnnxModel;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class SharedFixturesTest {

    @Test
    void model_findsTheSharedModelsThroughTheSurefireProperty() {
        var path = SharedFixtures.model("mnist_cntk.onnx");
        assertThat(Files.isRegularFile(path)).isTrue();
        assertThat(OnnxModel.read(path).graph().nodes()).hasSize(12);
        assertThat(SharedFixtures.dataDir()).hasValueSatisfying(dir -> assertThat(dir.resolve("SOURCES.md")).exists());
    }
}
