package dev.reel.cli;

import dev.reel.pipeline.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows denoising progress: a bar redrawn in place on a terminal, one plain line per step otherwise (logs, CI).
 * Each shows step i/n, steps per second and the estimated time left. The VAE decode reports each chunk the same
 * way; warnings go to {@code err}. {@code quiet} shows nothing.
 */
final class ProgressPrinter implements ProgressListener {
    private static final int BAR = 30;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean terminal;
    private final boolean quiet;
    private long decodeStart;

    ProgressPrinter(PrintWriter out, PrintWriter err, boolean terminal, boolean quiet) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
        this.quiet = quiet;
    }

    ProgressPrinter(PrintWriter out, boolean terminal) { this(out, out, terminal, false); }

    @Override public void onStage(String stage) {
        if (stage.equals("Decoding")) decodeStart = System.nanoTime();
    }

    @Override public void onDecodeChunk(int done, int total) {
        if (quiet) return;
        Duration elapsed = Duration.ofNanos(System.nanoTime() - decodeStart);
        out.print(line("decoding", "chunk", done, total, elapsed));
        out.print(terminal ? (done == total ? "\n" : "") : "\n");
        out.flush();
    }

    @Override public void onWarning(String message) {
        if (quiet) return;
        err.println("reel: warning: " + message);
        err.flush();
    }

    /** True if standard output is an interactive terminal. */
    static boolean stdoutIsTerminal() {
        var c = System.console();
        return c != null && c.isTerminal();
    }

    @Override public void onStep(int step, int total, Duration elapsed) {
        if (quiet) return;
        out.print(line(step, total, elapsed));
        out.print(terminal ? (step == total ? "\n" : "") : "\n");
        out.flush();
    }

    /** The text for one update (with a leading carriage return on a terminal). */
    String line(int step, int total, Duration elapsed) { return line("denoising", "step", step, total, elapsed); }

    private String line(String what, String unit, int step, int total, Duration elapsed) {
        double secs = elapsed.toNanos() / 1e9;
        double rate = secs > 0 ? step / secs : 0;
        String speed = rate >= 1 || rate == 0 ? String.format("%.2f it/s", rate) : String.format("%.2f s/it", 1 / rate);
        String eta = rate > 0 ? clock((total - step) / rate) : "?";
        String text = String.format("%s %d/%d  %s  ETA %s", unit, step, total, speed, eta);
        if (!terminal) return what + " " + text;
        int filled = total == 0 ? BAR : step * BAR / total;
        return "\r" + what + (what.length() < 9 ? " ".repeat(9 - what.length()) : "") + " [" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + text + "   ";
    }

    /** A training command's step line: {@code step 12/100  loss 0.12345  lr 1e-04  5.70 it/s  ETA 0:15} (s/it below 1 it/s). */
    static String trainingStep(int done, int steps, double loss, double lr, double rate) {
        String speed = rate >= 1 ? String.format(Locale.ROOT, "%.2f it/s", rate) : String.format(Locale.ROOT, "%.2f s/it", 1 / rate);
        return String.format(Locale.ROOT, "step %d/%d  loss %.5f  lr %.3g  %s  ETA %s", done, steps, loss, lr, speed, clock((steps - done) / rate));
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
