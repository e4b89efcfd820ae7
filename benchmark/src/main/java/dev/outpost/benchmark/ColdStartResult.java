package dev.outpost.benchmark;

/**
 * Timings of a cold start in a fresh process, in nanoseconds.
 *
 * <p>Immutable and thread-safe.
 *
 * @param processWallNanos spawn to exit, JVM start-up included
 * @param engineNanos creating the engine (loading ONNX Runtime's native library)
 * @param loadNanos opening the model (session creation)
 * @param firstRunNanos the first inference
 */
public record ColdStartResult(long processWallNanos, long engineNanos, long loadNanos, long firstRunNanos) {
}
