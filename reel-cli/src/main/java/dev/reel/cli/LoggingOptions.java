package dev.reel.cli;

import picocli.CommandLine.Option;

/**
 * {@code --verbose}, {@code --quiet} and {@code --log-level}, on every command. They set SLF4J's level as they
 * are parsed, before any logger exists (slf4j-simple reads it once, and a system property wins over
 * {@code simplelogger.properties}).
 */
final class LoggingOptions {
    private static final String PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "more detail: log at info level (twice: debug)")
    void verbose(boolean[] v) { level(v.length > 1 ? "debug" : "info"); }

    @Option(names = {"-q", "--quiet"}, description = "only errors and the result: no progress, no notes, log errors only")
    void quiet(boolean q) {
        if (!q) return;
        quiet = true;
        level("error");
    }

    /** SLF4J's levels, as slf4j-simple names them. */
    enum Level { trace, debug, info, warn, error, off }

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "log level: ${COMPLETION-CANDIDATES} (default: warn)")
    void logLevel(Level l) { level(l.name()); }

    private static void level(String l) { System.setProperty(PROPERTY, l); }
}
