package dev.reel.pipeline;

import java.time.Duration;

/** Receives progress of one generation, on the generating thread (keep it quick). */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = (step, total, elapsed) -> {};

    /**
     * Called after each denoising step.
     *
     * @param step    steps completed so far (1..total)
     * @param total   steps the request asked for
     * @param elapsed time spent in the denoising stage so far
     */
    void onStep(int step, int total, Duration elapsed);

    /** Called when a pipeline stage starts (e.g. {@code TextEncoding}); ignored by default. */
    default void onStage(String stage) {}

    /** Called after the VAE decodes each of its {@code total} chunks (one per latent frame); ignored by default. */
    default void onDecodeChunk(int done, int total) {}

    /**
     * Something the user should know that does not stop the generation (e.g. a prompt cut to the text encoder's
     * length); logged by default.
     */
    default void onWarning(String message) { org.slf4j.LoggerFactory.getLogger(ProgressListener.class).warn(message); }
}
