package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    private static final long MS = 1_000_000;

    private final FakeClock clock = new FakeClock();
    private final List<String> phases = new ArrayList<>();
    private final LoadGenerator generator = new LoadGenerator(clock, (phase, fraction) -> phases.add(phase));

    @Test
    void singleStream_runsUntilTheDurationHasPassed() {
        ScenarioResult result = generator.run(clock.sut(MS), RunSettings.quick(Scenario.SINGLE_STREAM));

        assertThat(result.queries()).isEqualTo(10_000);
        assertThat(result.samples()).isEqualTo(10_000);
        assertThat(result.wallNanos()).isEqualTo(10_000 * MS);
        assertThat(result.metricLatencyNanos()).isCloseTo(MS, within(MS / 1000));
        assertThat(result.samplesPerSecond()).isCloseTo(1000.0, within(1e-6));
        assertThat(phases).contains("SingleStream");
    }

    @Test
    void singleStream_keepsGoingUntilMinQueriesWhenTheSutIsSlow() {
        ScenarioResult result = generator.run(clock.sut(1000 * MS), RunSettings.quick(Scenario.SINGLE_STREAM));

        assertThat(result.queries()).isEqualTo(100);
        assertThat(result.wallNanos()).isEqualTo(100_000 * MS);
    }

    @Test
    void multiStream_issuesEightSamplesPerQueryAndReportsP99() {
        AtomicLong largest = new AtomicLong();
        Sut sut = samples -> {
            largest.accumulateAndGet(samples, Math::max);
            clock.advance(MS * samples);
        };
        ScenarioResult result = generator.run(sut, RunSettings.quick(Scenario.MULTI_STREAM));

        assertThat(largest).hasValue(8);
        assertThat(result.samples()).isEqualTo(result.queries() * 8);
        assertThat(result.metricLatencyNanos()).isEqualTo(result.latency().p99Nanos());
        assertThat(result.latency().p99Nanos()).isCloseTo(8 * MS, within(8 * MS / 1000));
    }

    @Test
    void offline_compliance_runsAtLeastItsMinimumSamples() {
        RunSettings settings = RunSettings.compliance(Scenario.OFFLINE).withDuration(Duration.ofMillis(1))
                .withSamplesPerQuery(32);

        ScenarioResult result = generator.run(clock.sut(MS), settings);

        assertThat(result.samples()).isEqualTo(24_576);
        assertThat(result.queries()).isEqualTo(24_576 / 32);
        assertThat(result.samplesPerSecond()).isCloseTo(1000.0, within(1e-6));
    }

    @Test
    void warmUp_reportsTheFirstQueryApart() {
        AtomicLong calls = new AtomicLong();
        Sut sut = samples -> clock.advance(calls.getAndIncrement() == 0 ? 50 * MS : MS);

        WarmUp warmUp = generator.warmUp(sut, RunSettings.quick(Scenario.SINGLE_STREAM));

        assertThat(warmUp.firstQueryNanos()).isEqualTo(50 * MS);
        assertThat(warmUp.latency().count()).isEqualTo(10);
        assertThat(warmUp.latency().p50Nanos()).isCloseTo(MS, within(MS / 1000));
    }

    @Test
    void server_schedulesPoissonArrivalsAtTheTargetRate() {
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withTargetQps(100).withDuration(Duration.ofSeconds(100));

        ScenarioResult result = generator.run(clock.sut(MS), settings);

        // 100 qps for 100 s: about 10,000 arrivals (Poisson: sd 100).
        assertThat(result.queries()).isBetween(9_600L, 10_400L);
        assertThat(result.queriesPerSecond()).isCloseTo(100.0, within(4.0));
        assertThat(result.targetQps()).isEqualTo(100.0);
        // At 10% load almost nobody queues: the median is the service time.
        assertThat(result.latency().p50Nanos()).isCloseTo(MS, within(MS / 1000));
    }

    @Test
    void server_countsQueueingFromTheScheduledArrival_soAStallIsNotHidden() {
        AtomicLong calls = new AtomicLong();
        // 1 ms per query, except one stall of 1 s at the 100th query.
        Sut stalling = samples -> clock.advance(calls.incrementAndGet() == 100 ? 1000 * MS : MS);
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withTargetQps(100);

        ScenarioResult result = generator.run(stalling, settings);

        // About 100 queries arrive during the stall and wait for it: ~10% of the run sees > 100 ms.
        // A closed-loop timer would have recorded that as one slow query (p99 = 1 ms).
        assertThat(result.latency().p95Nanos()).isGreaterThan(100 * MS);
        assertThat(result.latency().maxNanos()).isGreaterThan(990 * MS);
        assertThat(result.latency().p50Nanos()).isLessThan(2 * MS);
    }

    @Test
    void server_runWithoutTargetRate_isRefused() {
        assertThatThrownBy(() -> generator.run(clock.sut(MS), RunSettings.quick(Scenario.SERVER)))
                .isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("target rate > 0")
                .hasMessageContaining("searchServerRate");
    }

    @Test
    void server_withSeveralWorkers_completesEveryScheduledQuery() {
        AtomicLong samples = new AtomicLong();
        LoadGenerator real = LoadGenerator.create(ProgressListener.NONE);
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withTargetQps(20_000)
                .withDuration(Duration.ofMillis(20)).withMinQueries(500).withWorkers(3);

        ScenarioResult result = real.run(samples::addAndGet, settings);

        assertThat(result.queries()).isEqualTo(LoadGenerator.schedule(settings).length);
        assertThat(samples.get()).isEqualTo(result.samples());
    }

    @Test
    void server_propagatesTheSutsFailure() {
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withTargetQps(100);
        Sut failing = samples -> {
            throw new IllegalStateException("model session closed");
        };

        assertThatThrownBy(() -> generator.run(failing, settings)).hasMessage("model session closed");
    }

    @Test
    void search_raisesItsCeiling_whenTheProbeUnderestimatedTheSut() {
        // The probe sees 4 ms per query (capacity 250 qps); afterwards the SUT takes 1 ms (as a batching
        // server does once busy). Rates just under 250 qps meet the bound, so the ceiling doubles.
        AtomicLong calls = new AtomicLong();
        Sut warmingUp = samples -> clock.advance(calls.incrementAndGet() <= 250 ? 4 * MS : MS);
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withLatencyBound(Duration.ofMillis(10));

        ServerSearchResult search = generator.searchServerRate(warmingUp, settings);

        assertThat(search.capacityQps()).isCloseTo(250.0, within(1.0));
        assertThat(search.bestQps()).isGreaterThan(search.capacityQps()).isLessThanOrEqualTo(1000.0);
        assertThat(search.trials()).anySatisfy(trial -> assertThat(trial.targetQps()).isGreaterThan(250.0));
    }

    @Test
    void search_stepsDownWhenTheFullLengthRunBreaksTheBound_andSaysSoWhenNoStepHolds() {
        // Fast through the probe and the short trials, then 50 ms a query: no full-length run holds.
        AtomicLong calls = new AtomicLong();
        Sut tiring = samples -> clock.advance(calls.incrementAndGet() <= 3_000 ? MS : 50 * MS);
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withLatencyBound(Duration.ofMillis(10));

        ServerSearchResult search = generator.searchServerRate(tiring, settings);

        List<ServerSearchResult.Trial> failedFullRuns = search.trials().subList(search.trials().size()
                - LoadGenerator.MAX_FINAL_BACKOFFS, search.trials().size());
        assertThat(failedFullRuns).allSatisfy(trial -> assertThat(trial.metBound()).isFalse());
        assertThat(search.bestQps()).isCloseTo(failedFullRuns.getFirst().targetQps() * Math.pow(0.9,
                LoadGenerator.MAX_FINAL_BACKOFFS), within(1e-6));
        assertThat(search.finalRunMetBound()).isFalse();
    }

    @Test
    void search_convergesBelowTheCapacityOfASutOfKnownServiceTime() {
        // One worker, 1 ms per query: capacity 1000 qps. p99 bound 10 ms.
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withLatencyBound(Duration.ofMillis(10));

        ServerSearchResult search = generator.searchServerRate(clock.sut(MS), settings);

        assertThat(search.capacityQps()).isCloseTo(1000.0, within(1.0)); // histogram mean: 0.1%
        assertThat(search.bestQps()).isBetween(500.0, 1000.0);
        assertThat(search.finalRunMetBound()).isTrue();
        assertThat(search.finalRun()).get().extracting(ScenarioResult::targetQps).isEqualTo(search.bestQps());
        // Converged: the lowest failing rate is within the resolution of the best passing one.
        double lowestFailing = search.trials().stream().filter(trial -> !trial.metBound())
                .mapToDouble(ServerSearchResult.Trial::targetQps).min().orElse(search.capacityQps());
        assertThat(lowestFailing - search.bestQps()).isLessThanOrEqualTo(
                2 * LoadGenerator.SEARCH_RESOLUTION * search.capacityQps());
        assertThat(search.trials()).allSatisfy(trial ->
                assertThat(trial.metBound()).isEqualTo(trial.p99Nanos() <= 10 * MS));
    }

    @Test
    void search_aTighterBoundGivesALowerRate() {
        RunSettings loose = RunSettings.quick(Scenario.SERVER).withLatencyBound(Duration.ofMillis(20));
        RunSettings tight = loose.withLatencyBound(Duration.ofMillis(3));

        double looseRate = generator.searchServerRate(clock.sut(MS), loose).bestQps();
        double tightRate = generator.searchServerRate(clock.sut(MS), tight).bestQps();

        assertThat(tightRate).isPositive().isLessThan(looseRate);
    }

    @Test
    void search_findsNoRateWhenTheServiceTimeAloneBreaksTheBound() {
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withLatencyBound(Duration.ofMillis(4));

        ServerSearchResult search = generator.searchServerRate(clock.sut(5 * MS), settings);

        assertThat(search.bestQps()).isZero();
        assertThat(search.trials()).isEmpty();
        assertThat(search.finalRun()).isEmpty();
        assertThat(search.finalRunMetBound()).isFalse();
    }

    @Test
    void overhead_isTheLoopsOwnTimePerQuery() {
        // Each fake clock read costs 10 ns: per query two reads inside the loop, plus the two around it.
        BenchClock ticking = new BenchClock() {
            private long now;

            @Override
            public long nanoTime() {
                now += 10;
                return now;
            }

            @Override
            public void waitUntil(long deadline) {
                now = Math.max(now, deadline);
            }
        };

        double overhead = new LoadGenerator(ticking, ProgressListener.NONE).measureOverheadNanos(1000);

        assertThat(overhead).isCloseTo(20.0, within(0.02));
        assertThatThrownBy(() -> generator.measureOverheadNanos(0)).hasMessageContaining("expected >= 1");
    }

    @Test
    void search_givesUpAtASixteenthOfTheCapacity_whenTheTailBreaksTheBoundAtAnyLoad() {
        AtomicLong calls = new AtomicLong();
        // 1 ms per query, but every query after the probe (1 s = 1000 queries) has a 1-in-20 chance of 30 ms:
        // the p99 breaks a 10 ms bound however low the rate.
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        Sut tail = samples -> clock.advance(calls.incrementAndGet() > 1000 && random.nextInt(20) == 0 ? 30 * MS : MS);
        RunSettings settings = RunSettings.quick(Scenario.SERVER).withLatencyBound(Duration.ofMillis(10));

        ServerSearchResult search = generator.searchServerRate(tail, settings);

        assertThat(search.bestQps()).isZero();
        assertThat(search.trials()).isNotEmpty().allSatisfy(trial -> {
            assertThat(trial.metBound()).isFalse();
            assertThat(trial.targetQps()).isGreaterThanOrEqualTo(search.capacityQps() * LoadGenerator.MIN_RATE_FRACTION);
        });
        assertThat(search.trials()).hasSizeLessThan(LoadGenerator.MAX_SEARCH_TRIALS);
    }

    @Test
    void schedule_refusesAnAbsurdlyLongRun() {
        RunSettings settings = RunSettings.compliance(Scenario.SERVER).withTargetQps(1_000_000);

        assertThatThrownBy(() -> LoadGenerator.schedule(settings))
                .isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("1000000.0 qps")
                .hasMessageContaining("expected at most 20000000");
    }

    @Test
    void runClients_keepsThatManyQueriesOutstanding_andCountsEveryOne() {
        int clients = 4;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(clients);
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicLong calls = new AtomicLong();
        Sut sut = samples -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            threads.add(Thread.currentThread().getName());
            if (calls.incrementAndGet() <= clients) {
                try {
                    together.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("the clients did not all start", e);
                }
            }
            inside.decrementAndGet();
        };
        RunSettings settings = RunSettings.quick(Scenario.SINGLE_STREAM).withDuration(Duration.ofMillis(1))
                .withMinQueries(400);

        ScenarioResult result = LoadGenerator.create(ProgressListener.NONE).runClients(sut, settings, clients);

        assertThat(most).hasValue(clients);
        assertThat(threads).hasSize(clients);
        assertThat(result.queries()).isEqualTo(calls.get()).isGreaterThanOrEqualTo(400);
        assertThat(result.samples()).isEqualTo(result.queries());
    }

    @Test
    void runClients_oneClientOnTheFakeClock_isAClosedLoop() {
        ScenarioResult result = generator.runClients(clock.sut(MS), RunSettings.quick(Scenario.SINGLE_STREAM), 1);

        assertThat(result.queries()).isEqualTo(10_000);
        assertThat(result.latency().p50Nanos()).isCloseTo(MS, within(MS / 1000));
        assertThat(phases).contains("1 client");
    }

    @Test
    void runClients_stopsAtTheFirstFailure_andRefusesZeroClients() {
        Sut failing = samples -> {
            throw new BenchmarkException(BenchmarkException.Code.SUT_FAILURE, "server said 500");
        };
        assertThatThrownBy(() -> generator.runClients(failing, RunSettings.quick(Scenario.SINGLE_STREAM), 1))
                .hasMessage("server said 500");
        assertThatThrownBy(() -> generator.runClients(clock.sut(MS), RunSettings.quick(Scenario.SINGLE_STREAM), 0))
                .hasMessageContaining("Clients is 0; expected >= 1");
    }
}
