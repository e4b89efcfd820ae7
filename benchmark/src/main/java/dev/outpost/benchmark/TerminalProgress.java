package dev.outpost.benchmark;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;

/**
 * A one-line progress bar for a terminal's standard error: {@code [model] phase [#####.....] 50%},
 * redrawn in place with a carriage return when the percentage or the phase changes. Not thread-safe;
 * the load generator calls it from one thread.
 */
public final class TerminalProgress implements ProgressListener {

    static final int WIDTH = 24;

    private final PrintWriter out;
    private String prefix = "";
    private String lastPhase = "";
    private int lastPercent = -1;
    private int lastLength;

    /** A bar written to {@code out} (normally standard error). */
    public TerminalProgress(PrintWriter out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Sets the text shown before the phase, e.g. the model's file name. */
    public void prefix(String text) {
        this.prefix = Objects.requireNonNull(text, "text");
    }

    @Override
    public void update(String phase, double fraction) {
        int percent = (int) Math.floor(Math.max(0, Math.min(1, fraction)) * 100);
        if (percent == lastPercent && phase.equals(lastPhase)) {
            return;
        }
        lastPercent = percent;
        lastPhase = phase;
        int filled = percent * WIDTH / 100;
        String line = String.format(Locale.ROOT, "%s%s [%s%s] %3d%%", prefix.isEmpty() ? "" : prefix + " ", phase,
                "#".repeat(filled), ".".repeat(WIDTH - filled), percent);
        out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        out.flush();
        lastLength = line.length();
    }

    /** Clears the bar's line so the next output starts on a clean line. */
    public void finish() {
        if (lastLength > 0) {
            out.print("\r" + " ".repeat(lastLength) + "\r");
            out.flush();
        }
        lastLength = 0;
        lastPercent = -1;
        lastPhase = "";
    }
}
