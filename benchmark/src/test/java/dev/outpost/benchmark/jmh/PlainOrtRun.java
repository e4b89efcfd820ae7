package dev.outpost.benchmark.jmh;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The yardstick for the harness (not a test): a plain ONNX Runtime Java {@code run} of a float-input
 * model, one intra-op thread, spinning off, all optimizations, one seeded random input reused, every
 * result closed; JMH's sample-time mode gives its latency distribution. {@code scripts/bench-jmh.sh}
 * runs it beside {@code outpost bench --scenario single-stream} on the same model and compares the p50s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PlainOrtRun {

    /** The .onnx file (every input float, symbolic dimensions 1). */
    @Param("")
    public String model;

    private OrtSession session;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();

    @Setup
    public void open() throws OrtException {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            session = environment.createSession(model, options);
        }
        SplittableRandom random = new SplittableRandom(1);
        for (Map.Entry<String, NodeInfo> input : session.getInputInfo().entrySet()) {
            long[] shape = ((TensorInfo) input.getValue().getInfo()).getShape();
            long count = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = shape[d] < 0 ? 1 : shape[d];
                count *= shape[d];
            }
            FloatBuffer values = ByteBuffer.allocateDirect((int) count * 4).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            for (int i = 0; i < count; i++) {
                values.put(i, (float) random.nextDouble());
            }
            inputs.put(input.getKey(), OnnxTensor.createTensor(environment, values, shape));
        }
    }

    @Benchmark
    public void run(Blackhole blackhole) throws OrtException {
        try (OrtSession.Result result = session.run(inputs)) {
            blackhole.consume(result.get(0));
        }
    }

    @TearDown
    public void close() throws OrtException {
        inputs.values().forEach(OnnxTensor::close);
        session.close();
    }
}
