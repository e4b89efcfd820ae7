package dev.outpost.serving;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram with fixed upper bounds: per-bucket counts, sum and count.
 *
 * <p>Thread-safe and lock-free; a snapshot taken while others observe may be off by the values
 * being added, never inconsistent in a way Prometheus rejects ({@link #write} makes buckets cumulative).
 */
final class Histogram {

    /** Latency bounds in seconds: 50 us .. 10 s. */
    static final double[] SECONDS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
        0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Batch size bounds. */
    static final double[] BATCH = {1, 2, 4, 8, 16, 32, 64, 128};

    private final double[] bounds;
    private final LongAdder[] counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double[] bounds) {
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        count.increment();
        sum.add(value);
    }

    long count() {
        return count.sum();
    }

    double sum() {
        return sum.sum();
    }

    /** Number of observations {@code <= bound} for the given bucket bound (must be one of the bounds). */
    long cumulative(double bound) {
        long total = 0;
        for (int i = 0; i < bounds.length && bounds[i] <= bound; i++) {
            total += counts[i].sum();
        }
        return total;
    }

    /** Writes the {@code _bucket} (cumulative, ending with +Inf), {@code _sum} and {@code _count} lines. */
    void write(StringBuilder out, String name, String labels) {
        String prefix = labels.isEmpty() ? "" : labels + ",";
        long total = count.sum();
        long running = 0;
        for (int i = 0; i < bounds.length; i++) {
            running += counts[i].sum();
            out.append(name).append("_bucket{").append(prefix).append("le=\"").append(PrometheusText.number(bounds[i]))
                    .append("\"} ").append(Math.min(running, total)).append('\n');
        }
        out.append(name).append("_bucket{").append(prefix).append("le=\"+Inf\"} ").append(total).append('\n');
        String braces = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(name).append("_sum").append(braces).append(' ').append(PrometheusText.number(sum.sum())).append('\n');
        out.append(name).append("_count").append(braces).append(' ').append(total).append('\n');
    }
}
