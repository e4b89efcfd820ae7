package dev.outpost.benchmark;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import java.nio.file.Path;

/**
 * The tiny program of the cold-start measurement, run in a fresh JVM by {@link ColdStartProbe}: creates
 * the engine, opens the model, runs it once on seeded random inputs and prints one line
 * {@code outpost-cold-start engine_ns=N load_ns=N first_run_ns=N}. Arguments: {@code MODEL THREADS}.
 * Exit status 0, or 1 with {@code outpost-cold-start error MESSAGE} on standard output.
 */
public final class ColdStart {

    static final String PREFIX = "outpost-cold-start";

    private ColdStart() {
    }

    /**
     * Entry point of the fresh process.
     *
     * @param args the model path and the intra-op thread count (0: ONNX Runtime's default)
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.out.println(PREFIX + " error expected arguments MODEL THREADS, got " + args.length);
            System.exit(1);
        }
        try {
            long start = System.nanoTime();
            try (InferenceEngine engine = InferenceEngine.create()) {
                long engineReady = System.nanoTime();
                SessionConfig config = SessionConfig.builder().intraOpThreads(Integer.parseInt(args[1])).build();
                try (ModelSession session = engine.open(Path.of(args[0]), config)) {
                    long loaded = System.nanoTime();
                    try (ModelSut sut = ModelSut.random(session, 1, 1)) {
                        long runStart = System.nanoTime();
                        sut.issue(sut.samplesPerRun());
                        long ran = System.nanoTime();
                        System.out.println(PREFIX + " engine_ns=" + (engineReady - start) + " load_ns="
                                + (loaded - engineReady) + " first_run_ns=" + (ran - runStart));
                    }
                }
            }
        } catch (RuntimeException e) {
            System.out.println(PREFIX + " error " + e.getMessage());
            System.exit(1);
        }
    }
}
