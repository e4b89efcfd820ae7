package dev.outpost.serving;

/**
 * What one model version has served since the server started, in the terms of Triton's statistics
 * extension: requests that succeeded and failed with their total time, the time requests waited in
 * the queue (every accepted request, those that timed out there too), and for those answered the
 * time decoding their inputs, in model calls and encoding their answers. Each figure is a count and
 * a total in nanoseconds, so a client can take averages between two samples.
 *
 * @param lastInferenceMillis when a request was last answered with outputs, in milliseconds since the epoch; 0 before
 * @param inferenceCount rows computed (a request of batch 8 counts 8)
 * @param executionCount model calls (dynamic batching serves several requests in one)
 * @param batches model calls by their rows, smallest first
 */
record ModelStatistics(String name, String version, long lastInferenceMillis, long inferenceCount,
                       long executionCount, Stat success, Stat fail, Stat queue, Stat computeInput,
                       Stat computeInfer, Stat computeOutput, java.util.List<Batch> batches) {

    /**
     * The model calls of one batch size: preparing their inputs (joining the requests' rows, or
     * preprocessing images), running the model, and taking the outputs apart per request. Each
     * part's count is the number of calls.
     */
    record Batch(int size, Stat input, Stat infer, Stat output) {
    }

    /** A count and a total duration in nanoseconds. */
    record Stat(long count, long nanos) {

        static final Stat NONE = new Stat(0, 0);

        static Stat of(long count, double seconds) {
            return new Stat(count, Math.round(seconds * 1e9));
        }

        static Stat of(Histogram histogram) {
            return of(histogram.count(), histogram.sum());
        }
    }

    /** The figures of a version that has recorded none. */
    static ModelStatistics none(String name, String version) {
        return new ModelStatistics(name, version, 0, 0, 0, Stat.NONE, Stat.NONE, Stat.NONE, Stat.NONE, Stat.NONE,
                Stat.NONE, java.util.List.of());
    }

    /** The figures a version's metrics hold. */
    static ModelStatistics of(String name, String version, ServingMetrics.ModelMetrics m) {
        return new ModelStatistics(name, version, m.lastSuccessMillis, Math.round(m.batch.sum()), m.batch.count(),
                Stat.of(m.succeeded.sum(), m.succeededSeconds.sum()), Stat.of(m.failed.sum(), m.failedSeconds.sum()),
                Stat.of(m.queue), Stat.of(m.preprocess), Stat.of(m.compute), Stat.of(m.postprocess),
                m.batches.entrySet().stream().map(entry -> {
                    long calls = entry.getValue().count.sum();
                    return new Batch(entry.getKey(), Stat.of(calls, entry.getValue().input.sum()),
                            Stat.of(calls, entry.getValue().infer.sum()), Stat.of(calls, entry.getValue().output.sum()));
                }).toList());
    }
}
