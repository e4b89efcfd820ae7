package dev.outpost.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An external energy meter: a command that prints a cumulative joule counter. */
final class CommandMeter implements EnergyMeter {

    static final long TIMEOUT_SECONDS = 10;

    private final List<String> command;

    CommandMeter(List<String> command) {
        if (command.isEmpty() || command.get(0).isBlank()) {
            throw new BenchmarkException(BenchmarkException.Code.INVALID_SETTING,
                    "Energy meter command is empty; expected a program and its arguments");
        }
        this.command = List.copyOf(command);
    }

    @Override
    public String source() {
        return "meter command: " + String.join(" ", command);
    }

    @Override
    public Measurement start() {
        double before = read();
        return () -> read() - before;
    }

    double read() {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot start the energy meter command "
                    + command + ": " + e.getMessage(), e);
        }
        try {
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readNBytes(4096);
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new BenchmarkException(BenchmarkException.Code.IO, "Energy meter command " + command
                        + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String text = new String(output, StandardCharsets.UTF_8).trim();
            if (process.exitValue() != 0) {
                throw new BenchmarkException(BenchmarkException.Code.IO, "Energy meter command " + command
                        + " exited with " + process.exitValue() + ": " + text);
            }
            return parseJoules(text);
        } catch (IOException e) {
            throw new BenchmarkException(BenchmarkException.Code.IO, "Cannot read the energy meter command "
                    + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new BenchmarkException(BenchmarkException.Code.IO, "Interrupted while running " + command, e);
        }
    }

    private double parseJoules(String text) {
        String number = text.endsWith("J") ? text.substring(0, text.length() - 1).trim() : text;
        try {
            double joules = Double.parseDouble(number);
            if (Double.isFinite(joules)) {
                return joules;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BenchmarkException(BenchmarkException.Code.IO, "Energy meter command " + command + " printed '"
                + text + "'; expected a cumulative energy counter in joules, e.g. '1234.5' or '1234.5 J'");
    }
}
