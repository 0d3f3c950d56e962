package dev.reel.cli;

import dev.reel.pipeline.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Shows denoising progress: a bar redrawn in place on a terminal, one plain line per step otherwise (logs, CI).
 * Each shows step i/n, steps per second and the estimated time left.
 */
final class ProgressPrinter implements ProgressListener {
    private static final int BAR = 30;
    private final PrintWriter out;
    private final boolean terminal;

    ProgressPrinter(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** True if standard output is an interactive terminal. */
    static boolean stdoutIsTerminal() {
        var c = System.console();
        return c != null && c.isTerminal();
    }

    @Override public void onStep(int step, int total, Duration elapsed) {
        out.print(line(step, total, elapsed));
        out.print(terminal ? (step == total ? "\n" : "") : "\n");
        out.flush();
    }

    /** The text for one update (with a leading carriage return on a terminal). */
    String line(int step, int total, Duration elapsed) {
        double secs = elapsed.toNanos() / 1e9;
        double rate = secs > 0 ? step / secs : 0;
        String speed = rate >= 1 || rate == 0 ? String.format("%.2f it/s", rate) : String.format("%.2f s/it", 1 / rate);
        String eta = rate > 0 ? clock((total - step) / rate) : "?";
        String text = String.format("step %d/%d  %s  ETA %s", step, total, speed, eta);
        if (!terminal) return "denoising " + text;
        int filled = total == 0 ? BAR : step * BAR / total;
        return "\rdenoising [" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + text + "   ";
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
