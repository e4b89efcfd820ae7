package dev.outpost.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/** Runs the {@code outpost} command in-process and captures what it prints. */
record CliRun(int exitCode, String out, String err) {

    static CliRun run(Locations locations, String... args) {
        CommandLine cli = OutpostCli.commandLine(locations, Map.of());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    static CliRun run(String... args) {
        return run(new Locations(Path.of("/nonexistent/models"), Path.of("/nonexistent/data")), args);
    }
}
