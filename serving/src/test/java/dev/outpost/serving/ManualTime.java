package dev.outpost.serving;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A clock and timer that move only when a test calls {@link #advance}. Thread-safe. */
final class ManualTime implements java.time.InstantSource, TaskTimer {

    private record Task(Instant due, Runnable action, boolean[] cancelled) {
    }

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final List<Task> tasks = new ArrayList<>();
    private boolean closed;

    @Override
    public synchronized Instant instant() {
        return now;
    }

    @Override
    public Scheduled schedule(Duration delay, Runnable task) {
        boolean[] cancelled = {false};
        synchronized (this) {
            tasks.add(new Task(now.plus(delay), task, cancelled));
        }
        return () -> {
            synchronized (this) {
                cancelled[0] = true;
            }
        };
    }

    /** Moves time forward and runs every task that fell due, in due order, on the calling thread. */
    void advance(Duration duration) {
        List<Task> due = new ArrayList<>();
        synchronized (this) {
            now = now.plus(duration);
            for (Task task : List.copyOf(tasks)) {
                if (!task.due().isAfter(now)) {
                    tasks.remove(task);
                    if (!task.cancelled()[0]) {
                        due.add(task);
                    }
                }
            }
        }
        due.sort((a, b) -> a.due().compareTo(b.due()));
        due.forEach(task -> task.action().run());
    }

    synchronized int pendingTasks() {
        return (int) tasks.stream().filter(task -> !task.cancelled()[0]).count();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
        tasks.clear();
    }
}
