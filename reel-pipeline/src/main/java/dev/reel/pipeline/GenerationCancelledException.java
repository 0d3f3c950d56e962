package dev.reel.pipeline;

import dev.reel.core.ReelException;

/** A generation was cancelled through its {@link CancellationToken}; no output file was written. */
public final class GenerationCancelledException extends ReelException {
    private final int completedSteps;
    private final int totalSteps;

    public GenerationCancelledException(int completedSteps, int totalSteps) {
        super("generation cancelled after " + completedSteps + " of " + totalSteps + " denoising steps");
        this.completedSteps = completedSteps;
        this.totalSteps = totalSteps;
    }

    /** Denoising steps finished before the cancellation was seen. */
    public int completedSteps() { return completedSteps; }

    /** Denoising steps the request asked for. */
    public int totalSteps() { return totalSteps; }
}
