package dev.outpost.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Drives a {@link Sut} through a {@link Scenario} after MLPerf LoadGen and records per-query latency.
 *
 * <ul>
 *   <li>SingleStream, MultiStream, Offline: closed loop, the next query as soon as the previous returns;
 *       latency is issue to return.</li>
 *   <li>Server: open loop. Arrival times are drawn up front from a seeded Poisson process; each query
 *       waits for its scheduled time (never earlier), and its latency runs from the <em>scheduled</em>
 *       time to completion. A SUT that falls behind therefore shows the queueing delay in its latency
 *       instead of hiding it (no coordinated omission).</li>
 * </ul>
 *
 * <p>Not thread-safe: one run at a time per instance. The Server scenario with {@code workers > 1}
 * calls the SUT from that many threads of its own.
 */
public final class LoadGenerator {

    /** Schedules longer than this are refused (about 160 MB of arrival times). */
    static final long MAX_SCHEDULED_QUERIES = 20_000_000;
    /** Progress is reported at most this often. */
    private static final long PROGRESS_INTERVAL_NANOS = 200_000_000;
    /** The search stops when the pass/fail interval is narrower than this fraction of its top. */
    static final double SEARCH_RESOLUTION = 0.02;
    /** The search gives up narrowing after this many trials. */
    static final int MAX_SEARCH_TRIALS = 10;
    /**
     * The search tries no rate below this fraction of the capacity: a SUT that misses the bound even at
     * 1/16 of its capacity misses it for reasons other than load (noise, a slow tail), and the trials at
     * ever lower rates would take ever longer (each needs its minimum queries).
     */
    static final double MIN_RATE_FRACTION = 1.0 / 16;
    /** How often the search may double its ceiling when rates just under the probed capacity still meet the bound. */
    static final int MAX_CEILING_RAISES = 2;
    /** How often a full-length run that breaks the bound makes the search step its answer down by 10%. */
    static final int MAX_FINAL_BACKOFFS = 3;

    private final BenchClock clock;
    private final ProgressListener progress;

    LoadGenerator(BenchClock clock, ProgressListener progress) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** A generator on the JVM's monotonic clock reporting progress to {@code progress}. */
    public static LoadGenerator create(ProgressListener progress) {
        return new LoadGenerator(BenchClock.SYSTEM, progress);
    }

    /**
     * Runs {@link RunSettings#warmupQueries()} queries of {@link RunSettings#samplesPerQuery()} samples
     * back to back and reports them apart from the measurement.
     */
    public WarmUp warmUp(Sut sut, RunSettings settings) {
        Histogram histogram = LatencyStats.newHistogram();
        long first = -1;
        for (int i = 0; i < settings.warmupQueries(); i++) {
            long start = clock.nanoTime();
            sut.issue(settings.samplesPerQuery());
            long latency = clock.nanoTime() - start;
            first = first < 0 ? latency : first;
            record(histogram, latency);
            progress.update("warm-up", (i + 1.0) / settings.warmupQueries());
        }
        return new WarmUp(first, LatencyStats.of(histogram));
    }

    /**
     * Runs the measured part of one scenario.
     *
     * @throws BenchmarkException for a Server run without a target rate (use {@link #searchServerRate})
     */
    public ScenarioResult run(Sut sut, RunSettings settings) {
        if (settings.scenario() != Scenario.SERVER) {
            return closedLoop(sut, settings, settings.scenario().displayName());
        }
        if (settings.targetQps() <= 0) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "Server run needs a target rate"
                    + " > 0 (got " + settings.targetQps() + "); use searchServerRate to find one");
        }
        return openLoop(sut, settings, "Server " + Math.round(settings.targetQps()) + " qps");
    }

    /**
     * The Server scenario's search: a closed-loop probe measures the SUT's capacity (with as many
     * concurrent clients as workers), then a bisection
     * over Poisson rates in [capacity/16, capacity] keeps the highest rate whose p99 meets
     * {@link RunSettings#latencyBound()}, each trial lasting a tenth of the settings' duration and
     * query count (at least 100 queries). The best rate is finally run at full length. No rate is
     * found when even the probe's p99 breaks the bound, or when every trial down to capacity/16 does.
     */
    public ServerSearchResult searchServerRate(Sut sut, RunSettings settings) {
        long bound = settings.latencyBound().toNanos();
        RunSettings trialSettings = settings.withDuration(settings.duration().dividedBy(10))
                .withMinQueries(Math.max(100, settings.minQueries() / 10));
        ScenarioResult probe;
        double capacity;
        if (settings.workers() == 1) {
            probe = closedLoop(sut, trialSettings, "Server capacity probe");
            capacity = 1e9 / Math.max(1.0, probe.latency().meanNanos());
        } else {
            // Several workers share a SUT that may batch or queue: only a closed loop with as many
            // clients shows what it can take (workers / single-query latency would overestimate it).
            probe = runClients(sut, trialSettings, settings.workers());
            capacity = probe.queriesPerSecond();
        }
        List<ServerSearchResult.Trial> trials = new ArrayList<>();
        if (settings.workers() == 1 && probe.latency().p99Nanos() > bound) {
            // Even without any queueing the service time breaks the bound: no arrival rate can meet it.
            return new ServerSearchResult(bound, probe, capacity, trials, 0, Optional.empty());
        }
        double low = 0;
        double high = capacity;
        double best = 0;
        int raises = 0;
        while (trials.size() < MAX_SEARCH_TRIALS + raises && (high - low) > SEARCH_RESOLUTION * high) {
            double rate = trials.isEmpty() ? capacity * 0.5 : (low + high) / 2;
            if (rate < capacity * MIN_RATE_FRACTION) {
                break;
            }
            ScenarioResult trial = openLoop(sut, trialSettings.withTargetQps(rate),
                    "Server search " + Math.round(rate) + " qps");
            boolean met = trial.latency().p99Nanos() <= bound;
            trials.add(new ServerSearchResult.Trial(rate, trial.latency().p99Nanos(), trial.queries(), met));
            if (met) {
                low = rate;
                best = rate;
                if (high - low <= 2 * SEARCH_RESOLUTION * high && high >= capacity && raises < MAX_CEILING_RAISES) {
                    // Met just under the probe's capacity: a short closed-loop probe can underestimate a
                    // batching server, so the ceiling doubles rather than capping the answer there.
                    high *= 2;
                    raises++;
                }
            } else {
                high = rate;
            }
        }
        if (best == 0) {
            return new ServerSearchResult(bound, probe, capacity, trials, 0, Optional.empty());
        }
        ScenarioResult finalRun = openLoop(sut, settings.withTargetQps(best), "Server " + Math.round(best) + " qps");
        // A short trial can pass at a rate the SUT does not hold (its queue had no time to grow): the
        // full-length run decides, and the rate steps down 10% at a time until one holds.
        for (int backoff = 0; backoff < MAX_FINAL_BACKOFFS && finalRun.latency().p99Nanos() > bound; backoff++) {
            trials.add(new ServerSearchResult.Trial(best, finalRun.latency().p99Nanos(), finalRun.queries(), false));
            best *= 0.9;
            finalRun = openLoop(sut, settings.withTargetQps(best), "Server " + Math.round(best) + " qps");
        }
        return new ServerSearchResult(bound, probe, capacity, trials, best, Optional.of(finalRun));
    }

    /**
     * A closed loop with {@code clients} concurrent clients, each on its own platform thread issuing its
     * next query as soon as its previous one returned (Triton perf_analyzer's concurrency mode): the
     * throughput and latency of a server under a fixed number of outstanding requests. Runs until the
     * settings' duration has passed and their minimum queries are done; latency is issue to return.
     * The SUT is called from {@code clients} threads at once and must be thread-safe.
     *
     * @throws BenchmarkException INVALID_SETTING for fewer than one client; the first SUT failure, after
     *     every client stopped
     */
    public ScenarioResult runClients(Sut sut, RunSettings settings, int clients) {
        if (clients < 1) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "Clients is " + clients
                    + "; expected >= 1");
        }
        String phase = clients + " client" + (clients == 1 ? "" : "s");
        int samplesPerQuery = settings.samplesPerQuery();
        long duration = settings.duration().toNanos();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong issued = new java.util.concurrent.atomic.AtomicLong();
        Histogram[] histograms = new Histogram[clients];
        long[] lastCompletion = new long[clients];
        Runnable[] workers = new Runnable[clients];
        long start = clock.nanoTime();
        for (int c = 0; c < clients; c++) {
            int client = c;
            histograms[c] = LatencyStats.newHistogram();
            lastCompletion[c] = start;
            workers[c] = () -> {
                long nextProgress = start;
                long now = start;
                while (failure.get() == null && (now - start < duration || issued.get() < settings.minQueries())) {
                    issued.incrementAndGet();
                    long begin = clock.nanoTime();
                    try {
                        sut.issue(samplesPerQuery);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                        return;
                    }
                    now = clock.nanoTime();
                    record(histograms[client], now - begin);
                    lastCompletion[client] = now;
                    if (client == 0 && now >= nextProgress) {
                        long done = issued.get();
                        progress.update(phase, fraction(now - start, duration, done, done * samplesPerQuery, settings));
                        nextProgress = now + PROGRESS_INTERVAL_NANOS;
                    }
                }
            };
        }
        Merged merged = runAndMerge(workers, failure, histograms, lastCompletion, start);
        progress.update(phase, 1.0);
        long queries = merged.histogram().getTotalCount();
        return new ScenarioResult(settings.scenario(), queries, queries * samplesPerQuery, merged.wallNanos(),
                LatencyStats.of(merged.histogram()), 0);
    }

    /**
     * The harness's own cost per query: a closed loop of {@code queries} queries on a SUT that does
     * nothing, timed as a whole (two clock reads, one histogram record and the loop itself per query).
     *
     * @return mean nanoseconds per query
     */
    public double measureOverheadNanos(int queries) {
        if (queries < 1) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                    "Overhead queries is " + queries + "; expected >= 1");
        }
        Sut nothing = samples -> { };
        Histogram histogram = LatencyStats.newHistogram();
        long start = clock.nanoTime();
        for (int i = 0; i < queries; i++) {
            long issued = clock.nanoTime();
            nothing.issue(1);
            record(histogram, clock.nanoTime() - issued);
        }
        return (double) (clock.nanoTime() - start) / queries;
    }

    private ScenarioResult closedLoop(Sut sut, RunSettings settings, String phase) {
        Histogram histogram = LatencyStats.newHistogram();
        int samplesPerQuery = settings.samplesPerQuery();
        long duration = settings.duration().toNanos();
        long start = clock.nanoTime();
        long nextProgress = start;
        long queries = 0;
        long samples = 0;
        long now = start;
        while (now - start < duration || queries < settings.minQueries() || samples < settings.minSamples()) {
            long issued = clock.nanoTime();
            sut.issue(samplesPerQuery);
            now = clock.nanoTime();
            record(histogram, now - issued);
            queries++;
            samples += samplesPerQuery;
            if (now >= nextProgress) {
                progress.update(phase, fraction(now - start, duration, queries, samples, settings));
                nextProgress = now + PROGRESS_INTERVAL_NANOS;
            }
        }
        progress.update(phase, 1.0);
        return new ScenarioResult(settings.scenario(), queries, samples, Math.max(1, now - start),
                LatencyStats.of(histogram), 0);
    }

    private static double fraction(long elapsed, long duration, long queries, long samples, RunSettings settings) {
        double done = Math.min((double) elapsed / duration, (double) queries / settings.minQueries());
        if (settings.minSamples() > 0) {
            done = Math.min(done, (double) samples / settings.minSamples());
        }
        return Math.min(1.0, done);
    }

    /** The arrival offsets of an open-loop run: until the duration has passed and minQueries are scheduled. */
    static long[] schedule(RunSettings settings) {
        double rate = settings.targetQps();
        long duration = settings.duration().toNanos();
        double expected = Math.max(settings.minQueries(), rate * duration / 1e9) * 1.1 + 16;
        if (expected > MAX_SCHEDULED_QUERIES) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING, "Server run at " + rate
                    + " qps for " + settings.duration() + " schedules about " + (long) expected
                    + " queries; expected at most " + MAX_SCHEDULED_QUERIES + " (lower --target-qps or --duration)");
        }
        PoissonArrivals arrivals = new PoissonArrivals(rate, settings.seed());
        long[] offsets = new long[(int) expected];
        int count = 0;
        long offset = 0;
        while (count < settings.minQueries() || offset < duration) {
            offset = arrivals.nextOffsetNanos();
            if (count == offsets.length) {
                offsets = java.util.Arrays.copyOf(offsets, offsets.length * 2);
            }
            offsets[count++] = offset;
        }
        return java.util.Arrays.copyOf(offsets, count);
    }

    private ScenarioResult openLoop(Sut sut, RunSettings settings, String phase) {
        long[] offsets = schedule(settings);
        int samplesPerQuery = settings.samplesPerQuery();
        AtomicInteger next = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        long start = clock.nanoTime();
        Histogram[] histograms = new Histogram[settings.workers()];
        long[] lastCompletion = new long[settings.workers()];
        Runnable[] workers = new Runnable[settings.workers()];
        for (int w = 0; w < workers.length; w++) {
            int worker = w;
            histograms[w] = LatencyStats.newHistogram();
            lastCompletion[w] = start;
            workers[w] = () -> {
                long nextProgress = start;
                int index;
                while (failure.get() == null && (index = next.getAndIncrement()) < offsets.length) {
                    long scheduled = start + offsets[index];
                    clock.waitUntil(scheduled);
                    try {
                        sut.issue(samplesPerQuery);
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                        return;
                    }
                    long done = clock.nanoTime();
                    record(histograms[worker], done - scheduled);
                    lastCompletion[worker] = done;
                    if (worker == 0 && done >= nextProgress) {
                        progress.update(phase, Math.min(1.0, (double) index / offsets.length));
                        nextProgress = done + PROGRESS_INTERVAL_NANOS;
                    }
                }
            };
        }
        Merged merged = runAndMerge(workers, failure, histograms, lastCompletion, start);
        progress.update(phase, 1.0);
        return new ScenarioResult(Scenario.SERVER, offsets.length, (long) offsets.length * samplesPerQuery,
                merged.wallNanos(), LatencyStats.of(merged.histogram()), settings.targetQps());
    }

    /** The workers' latencies together, and the time from start to the last completion (at least 1 ns). */
    private record Merged(Histogram histogram, long wallNanos) {
    }

    /** Runs the workers, rethrows the first failure, and merges what they recorded. */
    private static Merged runAndMerge(Runnable[] workers, AtomicReference<RuntimeException> failure,
                                      Histogram[] histograms, long[] lastCompletion, long start) {
        runWorkers(workers, failure);
        if (failure.get() != null) {
            throw failure.get();
        }
        Histogram merged = LatencyStats.newHistogram();
        long end = start;
        for (int w = 0; w < workers.length; w++) {
            merged.add(histograms[w]);
            end = Math.max(end, lastCompletion[w]);
        }
        return new Merged(merged, Math.max(1, end - start));
    }

    private static void runWorkers(Runnable[] workers, AtomicReference<RuntimeException> failure) {
        if (workers.length == 1) {
            workers[0].run();
            return;
        }
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers.length; w++) {
            threads.add(Thread.ofPlatform().name("outpost-bench-worker-" + w).start(workers[w]));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, new BenchmarkException(BenchmarkException.Code.SUT_FAILURE,
                        "Interrupted while waiting for Server worker " + thread.getName(), e));
                threads.forEach(Thread::interrupt);
                return;
            }
        }
    }

    private static void record(Histogram histogram, long latencyNanos) {
        histogram.recordValue(Math.min(Math.max(0, latencyNanos), LatencyStats.HIGHEST_TRACKABLE_NANOS));
    }
}
