package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The process's resident memory (RSS) over a loop of runs, for leak tests: sampled (after
 * {@link System#gc()}) every {@code every} runs from run {@code from}; the early figure is the
 * smallest sample up to run {@code earlyUntil}, the late figure the smallest from run
 * {@code lateFrom}. Smallest on both sides because a leak only grows, while the JIT compiler's and
 * malloc's transient peaks come and go (see ConcurrencyAndLeakTest). Linux only: creating one skips
 * the test elsewhere. Not thread-safe.
 */
final class ResidentMemory {

    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private final int every;
    private final int from;
    private final int earlyUntil;
    private final int lateFrom;
    private final List<Long> samplesMiB = new ArrayList<>();
    private long early = Long.MAX_VALUE;
    private long late = Long.MAX_VALUE;

    ResidentMemory(int every, int from, int earlyUntil, int lateFrom) {
        Assumptions.assumeTrue(Files.isReadable(PROC_STATUS), "no " + PROC_STATUS + " to read RSS from (Linux only)");
        this.every = every;
        this.from = from;
        this.earlyUntil = earlyUntil;
        this.lateFrom = lateFrom;
    }

    /** Call before each run with its number (from 0); samples when the number is due. */
    void beforeRun(int run) {
        if (run % every != 0 || run < from) {
            return;
        }
        long rss = residentBytes();
        samplesMiB.add(rss >> 20);
        early = run <= earlyUntil ? Math.min(early, rss) : early;
        late = run >= lateFrom ? Math.min(late, rss) : late;
    }

    /** Asserts that the late figure exceeds the early one by less than {@code limitBytes}. */
    void assertGrowthBelow(long limitBytes) {
        assertThat(late - early).as("RSS growth in bytes between runs %,d-%,d and %,d on; RSS every %,d runs from"
                + " run %,d, MiB: %s", from, earlyUntil, lateFrom, every, from, samplesMiB).isLessThan(limitBytes);
    }

    private static long residentBytes() {
        System.gc();
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS line in " + PROC_STATUS);
    }
}
