package dev.outpost.benchmark;

/** A clock that only moves when told to: waiting jumps to the deadline, a synthetic SUT advances it. */
final class FakeClock implements BenchClock {

    private long now = 1_000_000_000L;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void waitUntil(long deadline) {
        now = Math.max(now, deadline);
    }

    void advance(long nanos) {
        now += nanos;
    }

    /** A SUT that takes {@code nanosPerSample} per sample of each query on this clock. */
    Sut sut(long nanosPerSample) {
        return samples -> advance(nanosPerSample * samples);
    }
}
