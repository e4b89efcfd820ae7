package dev.outpost.cli;

import dev.outpost.benchmark.Comparison;
import dev.outpost.benchmark.ComparisonResult;
import dev.outpost.benchmark.LoadGenerator;
import dev.outpost.benchmark.ModelBenchmark;
import dev.outpost.benchmark.SessionSut;
import dev.outpost.benchmark.ProgressListener;
import dev.outpost.benchmark.RunSettings;
import dev.outpost.benchmark.Scenario;
import dev.outpost.runtime.ExecutionProvider;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code outpost bench --compare}: opens one session per model x thread count, all at once, and runs
 * them interleaved through {@link Comparison}. Every session and input it opens is closed before it
 * returns. Not thread-safe; one comparison at a time.
 */
final class CompareRun {

    private CompareRun() {
    }

    /**
     * One contender per (model, threads) pair, in argument order (models outer): the first is the baseline.
     * A label carries the thread count when several are compared.
     */
    static ComparisonResult run(InferenceEngine engine, List<Path> models, List<Integer> threads, boolean spinning,
            List<ExecutionProvider> providers, int batch, long seed, Optional<Path> inputs, boolean includePreprocessing,
            RunSettings settings, int blocks, ProgressListener progress) {
        List<ModelSession> sessions = new ArrayList<>();
        List<SessionSut> suts = new ArrayList<>();
        try {
            List<Comparison.Contender> contenders = new ArrayList<>();
            for (Path model : models) {
                for (int count : threads) {
                    SessionConfig config = SessionConfig.builder().intraOpThreads(count).spinning(spinning)
                            .providers(providers).build();
                    ModelSession session = engine.open(model, config);
                    sessions.add(session);
                    SessionSut sut = ModelBenchmark.inputs(session, model, inputs, batch, seed, includePreprocessing);
                    suts.add(sut);
                    String label = model.getFileName() + (threads.size() > 1 ? " threads=" + count : "");
                    contenders.add(new Comparison.Contender(label, sut));
                }
            }
            RunSettings used = settings.scenario() == Scenario.OFFLINE && !suts.isEmpty()
                    ? settings.withSamplesPerQuery(suts.get(0).samplesPerRun()) : settings;
            return Comparison.run(LoadGenerator.create(progress), contenders, used, blocks);
        } finally {
            suts.forEach(SessionSut::close);
            sessions.forEach(ModelSession::close);
        }
    }

    /**
     * Two model files on one thread, single-stream, interleaved in {@code blocks} blocks of
     * {@code blockDuration} on seeded random inputs: the before/after comparison of {@code optimize}'s
     * summary and the demo's bench stage.
     */
    static ComparisonResult oneThread(InferenceEngine engine, Path baseline, Path candidate, int blocks,
            java.time.Duration blockDuration) {
        RunSettings settings = RunSettings.quick(Scenario.SINGLE_STREAM).withDuration(blockDuration).withMinQueries(10);
        return run(engine, List.of(baseline, candidate), List.of(1), false, List.of(), 1, 1, Optional.empty(), false,
                settings, blocks, ProgressListener.NONE);
    }
}
