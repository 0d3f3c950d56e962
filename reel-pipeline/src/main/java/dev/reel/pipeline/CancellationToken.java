package dev.reel.pipeline;

/**
 * Cancels a running generation from another thread. The pipeline checks it between stages and between
 * denoising steps and then throws {@link GenerationCancelledException}; a step already running finishes first.
 */
public final class CancellationToken {
    private volatile boolean cancelled;

    /** A token that is never cancelled unless {@link #cancel()} is called. */
    public CancellationToken() {}

    /** Requests cancellation; idempotent and safe from any thread. */
    public void cancel() { cancelled = true; }

    /** Whether {@link #cancel()} was called. */
    public boolean isCancelled() { return cancelled; }

    /** Throws {@link GenerationCancelledException} if cancellation was requested. */
    public void throwIfCancelled(int completedSteps, int totalSteps) {
        if (cancelled) throw new GenerationCancelledException(completedSteps, totalSteps);
    }
}
