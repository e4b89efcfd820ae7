package dev.outpost.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** RAPL package counters from the Linux powercap interface. */
final class RaplMeter implements EnergyMeter {

    private final List<Path> zones;
    private final long[] ranges;

    private RaplMeter(List<Path> zones, long[] ranges) {
        this.zones = List.copyOf(zones);
        this.ranges = ranges;
    }

    static Optional<EnergyMeter> open(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        List<Path> zones = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            entries.filter(zone -> zone.getFileName().toString().matches("intel-rapl:\\d+"))
                    .filter(zone -> Files.isReadable(zone.resolve("energy_uj")))
                    .sorted().forEach(zones::add);
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        List<Path> readable = new ArrayList<>();
        List<Long> ranges = new ArrayList<>();
        for (Path zone : zones) {
            try {
                readMicrojoules(zone.resolve("energy_uj"));
                readable.add(zone);
                Path range = zone.resolve("max_energy_range_uj");
                ranges.add(Files.isReadable(range) ? readMicrojoules(range) : 0L);
            } catch (BenchmarkException e) {
                // Unreadable counter (since Linux 5.10 energy_uj is root-only): not a usable zone.
            }
        }
        if (readable.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RaplMeter(readable, ranges.stream().mapToLong(Long::longValue).toArray()));
    }

    @Override
    public String source() {
        List<String> names = new ArrayList<>();
        for (Path zone : zones) {
            String name = ProcStatus.readOrEmpty(zone.resolve("name")).trim();
            names.add(zone.getFileName() + (name.isEmpty() ? "" : " (" + name + ")"));
        }
        return "RAPL " + String.join(", ", names);
    }

    @Override
    public Measurement start() {
        long[] before = read();
        return () -> {
            long[] after = read();
            double microjoules = 0;
            for (int i = 0; i < zones.size(); i++) {
                long delta = after[i] - before[i];
                if (delta < 0 && ranges[i] > 0) {
                    delta += ranges[i];
                }
                microjoules += Math.max(0, delta);
            }
            return microjoules / 1e6;
        };
    }

    private long[] read() {
        long[] values = new long[zones.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = readMicrojoules(zones.get(i).resolve("energy_uj"));
        }
        return values;
    }

    private static long readMicrojoules(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | SecurityException | NumberFormatException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot read the RAPL counter " + file
                    + " (expected an integer of microjoules): " + e.getMessage(), e);
        }
    }
}
