package dev.outpost.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Measures a cold start: spawns {@code java -cp <this JVM's class path> dev.outpost.benchmark.ColdStart}
 * in a fresh process and reads its timings, so JVM start, class loading, ONNX Runtime's native library
 * load, session creation and the first run are all paid as a device pays them after a reboot (the OS
 * file cache may still hold the model: the process is fresh, the page cache is not).
 */
final class ColdStartProbe {

    static final long TIMEOUT_SECONDS = 300;

    private ColdStartProbe() {
    }

    static ColdStartResult measure(Path model, int threads) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), ColdStart.class.getName(),
                model.toAbsolutePath().toString(), Integer.toString(threads));
        long start = System.nanoTime();
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.COLD_START, "Cannot start " + java + ": " + e.getMessage(), e);
        }
        try {
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new BenchmarkException(BenchmarkException.Code.COLD_START,
                        "Cold-start process did not finish within " + TIMEOUT_SECONDS + " s");
            }
            long wall = System.nanoTime() - start;
            return parse(output, process.exitValue(), wall);
        } catch (IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.COLD_START, "Cannot read the cold-start process: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new BenchmarkException(BenchmarkException.Code.COLD_START, "Interrupted during the cold start", e);
        }
    }

    static ColdStartResult parse(String output, int exitCode, long processWallNanos) {
        for (String line : output.split("\n")) {
            if (line.startsWith(ColdStart.PREFIX + " error ")) {
                throw new BenchmarkException(BenchmarkException.Code.COLD_START, "Cold-start process failed: "
                        + line.substring(ColdStart.PREFIX.length() + 7));
            }
            if (exitCode == 0 && line.startsWith(ColdStart.PREFIX + " ")) {
                Map<String, Long> values = new HashMap<>();
                for (String pair : line.substring(ColdStart.PREFIX.length() + 1).trim().split(" ")) {
                    String[] keyValue = pair.split("=", 2);
                    if (keyValue.length == 2 && keyValue[1].matches("\\d+")) {
                        values.put(keyValue[0], Long.parseLong(keyValue[1]));
                    }
                }
                if (values.keySet().containsAll(List.of("engine_ns", "load_ns", "first_run_ns"))) {
                    return new ColdStartResult(processWallNanos, values.get("engine_ns"), values.get("load_ns"),
                            values.get("first_run_ns"));
                }
            }
        }
        String tail = output.length() > 2000 ? output.substring(output.length() - 2000) : output;
        throw new BenchmarkException(BenchmarkException.Code.COLD_START, "Cold-start process exited with "
                + exitCode + " without a line '" + ColdStart.PREFIX
                + " engine_ns=N load_ns=N first_run_ns=N'; its output: " + tail.strip());
    }
}
