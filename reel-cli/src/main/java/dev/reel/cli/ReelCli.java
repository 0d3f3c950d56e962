package dev.reel.cli;

import dev.reel.core.DeviceOutOfMemoryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code reel} command. */
@Command(name = "reel", mixinStandardHelpOptions = true, version = "reel 0.1.0",
        description = "Reel: video diffusion on the JVM.",
        subcommands = {InfoCommand.class, GenerateCommand.class, ServeCommand.class, WorkerCommand.class, BenchCommand.class, ParityCommand.class, TrainCommand.class,
                CalibrateCommand.class, CompareCommand.class, PreprocessCommand.class, DatasetCommand.class, InitCommand.class,
                TrainVaeCommand.class, EvalCommand.class})
public final class ReelCli implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** The name of the {@link LoggingOptions} mixin in every command's spec. */
    static final String LOGGING = "logging";

    /** Whether {@code --quiet} was given to the command of {@code spec}. */
    static boolean quiet(CommandLine.Model.CommandSpec spec) {
        var m = spec.mixins().get(LOGGING);
        return m != null && ((LoggingOptions) m.userObject()).quiet;
    }

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured picocli command line (errors print a message, never a stack trace). */
    public static CommandLine commandLine() {
        return withMessages(withCommonOptions(new CommandLine(new ReelCli())), "reel");
    }

    /**
     * Gives every command and subcommand {@code -h/--help}, a {@code help} subcommand ({@code reel help generate},
     * {@code reel bench help dit}, {@code reel generate help}; help skips the required-option checks) and the
     * logging options ({@link LoggingOptions}).
     */
    static CommandLine withCommonOptions(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandName().equals("help")) withCommonOptions(sub);
        }
        cl.getCommandSpec().mixinStandardHelpOptions(true);
        if (!cl.getCommandSpec().mixins().containsKey(LOGGING)) {
            cl.getCommandSpec().addMixin(LOGGING, CommandLine.Model.CommandSpec.forAnnotatedObject(new LoggingOptions()));
        }
        if (!cl.getSubcommands().containsKey("help")) cl.addSubcommand("help", new CommandLine.HelpCommand());
        return cl;
    }

    /**
     * Makes {@code cl} print a failure as "prefix: message" and exit 1: a bad argument as one line naming it (the
     * usage only with {@code --help}), a Reel error as its message, running out of memory as what to try (the
     * stack trace only with -Dreel.debug=true).
     */
    static CommandLine withMessages(CommandLine cl, String prefix) {
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(prefix + ": " + Failures.message(ex));
            if (Boolean.getBoolean("reel.debug")) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        // an Error escapes picocli's handler: catch running out of heap here, so it too is one message
        cl.setExecutionStrategy(parsed -> {
            try {
                return new CommandLine.RunLast().execute(parsed);
            } catch (OutOfMemoryError e) {
                parsed.asCommandLineList().getLast().getErr().println(prefix + ": " + Failures.message(e));
                return 1;
            }
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(prefix + ": " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
            cmd.getErr().println("(" + qualifiedName(cmd) + " --help lists the options)");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    private static String qualifiedName(CommandLine cmd) {
        return cmd.getCommandSpec().qualifiedName();
    }

    /** Turns what a command threw into the one line the user sees. */
    static final class Failures {
        private Failures() {}

        static String message(Throwable ex) {
            for (Throwable t = ex; t != null; t = t.getCause()) {
                if (t instanceof DeviceOutOfMemoryException oom) return OutOfMemory.advice(oom);
                if (t instanceof OutOfMemoryError oom) return OutOfMemory.advice(oom);
            }
            return ex.getMessage() != null ? ex.getMessage() : ex.toString();
        }
    }
}
