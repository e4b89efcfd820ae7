package dev.outpost.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code outpost} command: entry point that wires the subcommands. */
@Command(
        name = "outpost",
        mixinStandardHelpOptions = true,
        versionProvider = OutpostCli.Version.class,
        description = "Outpost: take an ONNX model from a workstation to a fleet of edge devices.",
        subcommands = {CommandLine.HelpCommand.class})
public final class OutpostCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests use it to run commands in-process. */
    static CommandLine commandLine() {
        return new CommandLine(new OutpostCli());
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads the version written into the jar at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties props = new Properties();
            try (InputStream in = OutpostCli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    props.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {
                "outpost " + props.getProperty("version", "unknown"),
                "ONNX Runtime " + props.getProperty("onnxruntime", "unknown")
                        + ", Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"
            };
        }
    }
}
