package dev.outpost.cli;

import dev.outpost.model.ModelFormatException;
import dev.outpost.runtime.InferenceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code outpost} command: entry point that wires the subcommands. Exit status 0 on success, 1
 * on a failure (one message on stderr, no stack trace unless {@code OUTPOST_DEBUG=1}), 2 on a usage
 * error (usage on stderr).
 */
@Command(
        name = "outpost",
        mixinStandardHelpOptions = true,
        versionProvider = OutpostCli.Version.class,
        description = {
            "Outpost: take an ONNX model from a workstation to a fleet of edge devices.",
            "Inspect a model, run it on images or tensors, and see the whole path in 'outpost demo'."
        },
        subcommands = {
            InspectCommand.class,
            PredictCommand.class,
            EvalCommand.class,
            BenchCommand.class,
            BenchDiffCommand.class,
            DemoCommand.class,
            ServeCommand.class,
            LoadgenCommand.class,
            OptimizeCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Models and data: OUTPOST_MODELS (default ../shared/models) and OUTPOST_DATA (default ../shared/data).",
            "Run 'outpost help COMMAND' for a command's options and examples."
        })
public final class OutpostCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line and exits the JVM with its status.
     *
     * @param args the command-line arguments
     */
    public static void main(String[] args) {
        // Library modules log through System.Logger (java.util.logging here): one line per record.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        }
        System.exit(commandLine(Locations.fromEnvironment(System.getenv()), System.getenv()).execute(args));
    }

    /** The configured command line; tests run commands in-process through it. */
    static CommandLine commandLine(Locations locations, Map<String, String> env) {
        boolean debug = "1".equals(env.get("OUTPOST_DEBUG"));
        CommandLine cli = new CommandLine(new OutpostCli(), new Factory(locations));
        // 'outpost bench --help' must teach, not complain that MODEL is missing: every subcommand gets -h.
        cli.getSubcommands().values().stream()
                .filter(sub -> sub.getCommandSpec().optionsMap().get("--help") == null
                        && !(sub.getCommand() instanceof CommandLine.HelpCommand))
                .forEach(sub -> sub.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help")
                        .usageHelp(true).description("Show this help message and exit.").build()));
        cli.setExecutionExceptionHandler((exception, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("outpost " + commandLine.getCommandName() + ": " + message(exception));
            if (debug || !isExpected(exception)) {
                exception.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cli;
    }

    private static boolean isExpected(Exception exception) {
        return exception instanceof CliException || exception instanceof ModelFormatException
                || exception instanceof InferenceException;
    }

    private static String message(Exception exception) {
        if (isExpected(exception)) {
            return exception.getMessage();
        }
        return "internal error (" + exception + "); please report it with the stack trace below";
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Creates commands, handing them the locations of models and data. */
    private record Factory(Locations locations) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == DemoCommand.class) {
                return type.cast(new DemoCommand(locations));
            }
            return CommandLine.defaultFactory().create(type);
        }
    }

    /** Reads the version written into the jar at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        /** Outpost's own version ({@code 0.1.0-SNAPSHOT}), or {@code unknown} outside a build. */
        static String outpost() {
            return properties().getProperty("version", "unknown");
        }

        private static Properties properties() {
            Properties props = new Properties();
            try (InputStream in = OutpostCli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    props.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return props;
        }

        @Override
        public String[] getVersion() {
            Properties props = properties();
            return new String[] {
                "outpost " + props.getProperty("version", "unknown"),
                "ONNX Runtime " + props.getProperty("onnxruntime", "unknown")
                        + ", Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"
            };
        }
    }
}
