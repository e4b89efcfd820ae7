package dev.outpost.benchmark;

import java.util.concurrent.locks.LockSupport;

/**
 * The time source of the load generator: a monotonic nanosecond counter and a way to wait for a
 * deadline. Injected so tests drive scenarios with a fake clock that a synthetic SUT advances.
 */
interface BenchClock {

    /** Monotonic time in nanoseconds (arbitrary origin). */
    long nanoTime();

    /** Returns when {@link #nanoTime()} has reached {@code deadline}; immediately if it has already. */
    void waitUntil(long deadline);

    /** The JVM's {@link System#nanoTime()}; waits by parking, then spinning for the last 100 µs. */
    BenchClock SYSTEM = new BenchClock() {
        private static final long SPIN_NANOS = 100_000;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void waitUntil(long deadline) {
            long remaining;
            while ((remaining = deadline - System.nanoTime()) > 0) {
                if (remaining > SPIN_NANOS) {
                    LockSupport.parkNanos(remaining - SPIN_NANOS);
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    };
}
