package dev.reel.cli;

import dev.reel.core.OpProfile;
import dev.reel.pipeline.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --profile-steps N} of the training commands and of {@code generate}: times every backend op of N steps
 * (training steps, or denoising steps: two forwards with guidance, the guidance combine and the scheduler) after the
 * first (which compiles kernels and plans) with {@link OpProfile}, then prints where those steps spent their device
 * time.
 */
final class ProfileOptions {
    /** Ops the printed table lists. */
    private static final int TABLE_ROWS = 30;

    @Option(names = "--profile-steps", defaultValue = "0", paramLabel = "N",
            description = "Time each backend op of N steps after the first and print the table (slows those steps). Default: ${DEFAULT-VALUE}.")
    int steps;

    private OpProfile profile;
    /** The first and last steps profiled so far (0-based), for the table's heading. */
    private int firstProfiled = -1, lastProfiled = -1;

    private boolean profiled(int step, int first) { return steps > 0 && step > first && step <= first + steps; }

    /** Call before step {@code step} of a run whose first step is {@code first}. */
    void before(int step, int first) {
        if (!profiled(step, first)) return;
        if (profile == null) {
            profile = new OpProfile();
            firstProfiled = step;
        }
        profile.start();
    }

    /** Call after that step; prints the table after the last profiled step. */
    void after(int step, int first, PrintWriter out) {
        if (!profiled(step, first)) return;
        profile.stop();
        lastProfiled = step;
        if (step == first + steps) finish(out);
    }

    /** Prints the table of the steps profiled so far, once: a run that ends (or stops at a time limit) first calls it. */
    void finish(PrintWriter out) {
        if (profile == null || lastProfiled < 0) return;
        out.printf("profile of steps %d..%d (each op waits for the device):%n%s", firstProfiled + 1, lastProfiled + 1, profile.report(TABLE_ROWS));
        out.flush();
        profile.close();
        profile = null;
        lastProfiled = -1;
    }

    /**
     * {@code inner}, profiling the denoising steps it is told of: a step's ops run between two of its
     * {@code onStep} calls, on the generating thread (one device; the ranks of a parallel plan have threads of their own).
     */
    ProgressListener around(ProgressListener inner, PrintWriter out) {
        if (steps <= 0) return inner;
        return new ProgressListener() {
            @Override public void onStep(int step, int total, Duration elapsed) {
                inner.onStep(step, total, elapsed);
                after(step - 1, 0, out);
                if (step < total) before(step, 0);
                else finish(out);
            }
            @Override public void onStage(String stage) { inner.onStage(stage); }
            @Override public void onDecodeChunk(int done, int total) { inner.onDecodeChunk(done, total); }
            @Override public void onWarning(String message) { inner.onWarning(message); }
        };
    }
}
