package dev.outpost.cli;

import dev.outpost.benchmark.BenchInputs;
import dev.outpost.benchmark.BenchOptions;
import dev.outpost.benchmark.BenchReport;
import dev.outpost.benchmark.BenchmarkException;
import dev.outpost.benchmark.EvalAccuracy;
import dev.outpost.benchmark.ModelBenchmark;
import dev.outpost.benchmark.RunSettings;
import dev.outpost.benchmark.SweepResult;
import dev.outpost.benchmark.TerminalProgress;
import dev.outpost.runtime.ExecutionProvider;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code outpost bench --sweep}: one {@link ModelBenchmark} run per model x threads x batch x provider,
 * one after the other (models outermost), each with its own session; a batch the model cannot run (a
 * fixed first dimension) is skipped with the reason. Not thread-safe; one sweep at a time.
 */
final class SweepRun {

    private SweepRun() {
    }

    /**
     * Runs the sweep. {@code base} (built on {@code settings}) carries everything but threads, batch, providers and MACs, which are
     * set per point; {@code providers} maps each provider name (as given) to the providers a session
     * registers for it. With {@code coldStart}, the cold start (which depends on the model and the thread
     * count only) is measured at the first point of each model and thread count, not again at its other
     * batches and providers.
     */
    static SweepResult run(InferenceEngine engine, List<Path> models, List<Integer> threads, List<Integer> batches,
            Map<String, List<ExecutionProvider>> providers, RunSettings settings, BenchOptions.Builder base,
            boolean randomInputs, boolean coldStart,
            Function<Path, BenchCommand.Macs> macsPerSample, EvalAccuracy accuracy, TerminalProgress progress) {
        List<SweepResult.Point> points = new ArrayList<>();
        for (Path model : models) {
            Map<Integer, Optional<String>> batchProblems = batchProblems(engine, model, batches, randomInputs);
            BenchCommand.Macs macs = macsPerSample.apply(model);
            for (int count : threads) {
                boolean coldPending = coldStart;
                for (int batch : batches) {
                    for (Map.Entry<String, List<ExecutionProvider>> provider : providers.entrySet()) {
                        String name = model.toString();
                        Optional<String> problem = batchProblems.get(batch);
                        if (problem.isPresent()) {
                            points.add(SweepResult.Point.skipped(name, count, batch, provider.getKey(),
                                    problem.get() + "; batch " + batch + " needs a dynamic first dimension"));
                            continue;
                        }
                        Optional<String> missing = unavailable(engine, provider.getValue());
                        if (missing.isPresent()) {
                            // A CPU fallback would only repeat the cpu point under another name.
                            points.add(SweepResult.Point.skipped(name, count, batch, provider.getKey(), missing.get()));
                            continue;
                        }
                        BenchOptions options = base.threads(count).batch(batch).providers(provider.getValue())
                                .macsPerSample(macs.total(), macs.integer()).coldStart(coldPending).build();
                        coldPending = false;
                        progress.prefix(model.getFileName() + " t" + count + " b" + batch + " " + provider.getKey());
                        try {
                            BenchReport report = ModelBenchmark.run(engine, model, options, progress);
                            Optional<String> fellBack = fellBack(provider.getValue(), report);
                            points.add(fellBack.isPresent()
                                    ? SweepResult.Point.skipped(name, count, batch, provider.getKey(), fellBack.get())
                                    : SweepResult.Point.measured(name, count, batch, provider.getKey(), report));
                        } catch (BenchmarkException e) {
                            throw new CliException(model.getFileName() + " (threads " + count + ", batch " + batch
                                    + ", " + provider.getKey() + "): " + e.getMessage(), e);
                        } finally {
                            progress.finish();
                        }
                    }
                }
            }
        }
        return new SweepResult(settings.scenario(), threads, batches, List.copyOf(providers.keySet()), points, accuracy);
    }

    /** Why a point's accelerators cannot run here: one missing from this ONNX Runtime build. */
    static Optional<String> unavailable(InferenceEngine engine, List<ExecutionProvider> wanted) {
        java.util.Set<ExecutionProvider> available = engine.availableProviders();
        for (ExecutionProvider provider : wanted) {
            if (provider != ExecutionProvider.CPU && !available.contains(provider)) {
                return Optional.of(provider.name().toLowerCase(java.util.Locale.ROOT) + " is not in this ONNX Runtime"
                        + " build (available: " + available.stream().map(p -> p.name().toLowerCase(java.util.Locale.ROOT))
                        .sorted().collect(java.util.stream.Collectors.joining(", ")) + ")");
            }
        }
        return Optional.empty();
    }

    /** Why a measured point does not count: its session fell back from the accelerators asked for to the CPU. */
    private static Optional<String> fellBack(List<ExecutionProvider> wanted, BenchReport report) {
        List<String> used = report.environment().providers();
        for (ExecutionProvider provider : wanted) {
            if (provider != ExecutionProvider.CPU && !used.contains(provider.name())) {
                return Optional.of(provider.name().toLowerCase(java.util.Locale.ROOT) + " failed to start; the session"
                        + " ran on " + String.join(", ", used));
            }
        }
        return Optional.empty();
    }

    /** Per batch, why the model cannot run it (a fixed first dimension), read from a session's signature. */
    private static Map<Integer, Optional<String>> batchProblems(InferenceEngine engine, Path model,
            List<Integer> batches, boolean randomInputs) {
        Map<Integer, Optional<String>> problems = new LinkedHashMap<>();
        batches.forEach(batch -> problems.put(batch, Optional.empty()));
        if (!randomInputs || batches.stream().allMatch(batch -> batch == 1)) {
            return problems;
        }
        List<TensorSpec> inputs;
        try (ModelSession session = engine.open(model, SessionConfig.builder().intraOpThreads(1).build())) {
            inputs = session.inputs();
        }
        batches.forEach(batch -> problems.put(batch, BenchInputs.fixedBatchProblem(inputs, batch)));
        return problems;
    }
}
