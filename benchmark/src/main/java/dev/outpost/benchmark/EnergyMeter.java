package dev.outpost.benchmark;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A source of energy readings for energy per inference. Three kinds exist: Linux RAPL powercap
 * counters ({@link #rapl(Path)}), a user-supplied meter command ({@link #command(List)}), and none (the
 * report then says "unavailable" with the reason; energy is never estimated).
 *
 * <p>Implementations are thread-safe; each {@link #start()} is an independent measurement.
 */
public interface EnergyMeter {

    /** Where the readings come from, for the report (e.g. {@code "RAPL intel-rapl:0 (package-0)"}). */
    String source();

    /**
     * Takes the first reading.
     *
     * @throws BenchmarkException ({@code IO}) when the counter cannot be read
     */
    Measurement start();

    /** A started measurement. */
    @FunctionalInterface
    interface Measurement {
        /**
         * Takes the second reading and returns the energy used since {@link #start()} in joules.
         *
         * @throws BenchmarkException ({@code IO}) when the counter cannot be read
         */
        double stopJoules();
    }

    /**
     * The RAPL package domains under a powercap folder ({@code /sys/class/powercap} on Linux): every
     * top-level {@code intel-rapl:N} zone whose {@code energy_uj} is readable (sub-zones such as
     * {@code intel-rapl:0:0} are inside their package and not added). Counter wrap-around is corrected
     * with {@code max_energy_range_uj}.
     *
     * @return empty when no zone is readable (no RAPL, a VM, or counters readable by root only)
     */
    static Optional<EnergyMeter> rapl(Path powercapRoot) {
        return RaplMeter.open(powercapRoot);
    }

    /**
     * A meter command: run before and after the measurement, it must print a cumulative energy counter
     * in joules (a number, optionally followed by {@code J}) on its standard output, and exit 0 within
     * 10 seconds. Example: a script that asks a smart plug or a lab power analyser for its energy counter.
     */
    static EnergyMeter command(List<String> command) {
        return new CommandMeter(command);
    }
}
