package dev.reel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code reel} command. */
@Command(name = "reel", mixinStandardHelpOptions = true, version = "reel 0.1.0",
        description = "Reel: video diffusion on the JVM.",
        subcommands = {InfoCommand.class, GenerateCommand.class, ServeCommand.class, WorkerCommand.class, BenchCommand.class, ParityCommand.class, TrainCommand.class,
                CalibrateCommand.class, CompareCommand.class})
public final class ReelCli implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured picocli command line (errors print a message, never a stack trace). */
    public static CommandLine commandLine() {
        return withMessages(new CommandLine(new ReelCli()), "reel");
    }

    /** Makes {@code cl} print a failure as "prefix: message" (the stack trace too with -Dreel.debug=true) and exit 1. */
    static CommandLine withMessages(CommandLine cl, String prefix) {
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(prefix + ": " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (Boolean.getBoolean("reel.debug")) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl;
    }
}
