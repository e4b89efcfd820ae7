package dev.outpost.benchmark.jmh;

import dev.outpost.benchmark.ModelSut;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The middle step between {@link PlainOrtRun} and {@code outpost bench} (not a test): JMH times exactly
 * what the harness's single-stream loop calls, one {@link ModelSut#issue} of one sample, that is one
 * {@link ModelSession#run} on the harness's own seeded inputs with the session settings of
 * {@code outpost bench --threads 1} (one intra-op thread, spinning off). Against PlainOrtRun it measures
 * the runtime layer's cost; against {@code outpost bench} it measures the harness's loop.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ModelSessionRun {

    /** The .onnx file (random inputs must fit its signature, as for {@code outpost bench}). */
    @Param("")
    public String model;

    private InferenceEngine engine;
    private ModelSession session;
    private ModelSut sut;

    @Setup
    public void open() {
        engine = InferenceEngine.create();
        session = engine.open(Path.of(model), SessionConfig.builder().intraOpThreads(1).spinning(false).build());
        sut = ModelSut.random(session, 1, 1);
    }

    @Benchmark
    public void run() {
        sut.issue(1);
    }

    @TearDown
    public void close() {
        sut.close();
        session.close();
        engine.close();
    }
}
