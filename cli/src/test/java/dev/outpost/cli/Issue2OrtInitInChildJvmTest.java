package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testing.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Regression (found while building issue 2's successors): ONNX Runtime's native initialization
 * overflowed the JVM main thread's default stack once the class path held some 40 jars (the cli's
 * test class path, as `bench --pin` re-runs it), killing the JVM with SIGSEGV (exit 139) and no
 * error report. InferenceEngine now initializes ONNX Runtime on a thread with a 16 MiB stack.
 */
class Issue2OrtInitInChildJvmTest {

    @Test
    void aFreshJvmWithTheWholeTestClassPath_loadsOnnxRuntimeAndRunsAModel() throws Exception {
        Path model = SharedFixtures.model("mnist_cntk.onnx");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                OutpostCli.class.getName(), "inspect", model.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("Input3").contains("Validation: no problems");
    }
}
