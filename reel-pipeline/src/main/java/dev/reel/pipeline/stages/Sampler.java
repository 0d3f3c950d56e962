package dev.reel.pipeline.stages;

import dev.reel.core.Tensor;

/**
 * A scheduler as the Denoising stage drives it: the timesteps for a step count, then one update per step.
 * Adapts {@code dev.reel.models.schedulers} so the stages do not depend on which scheduler runs.
 */
public interface Sampler {
    /** Timesteps of the schedule, one per denoising step (in the model's 0…1000 scale). */
    float[] timesteps();

    /** One step: the transformer's {@code modelOutput} at {@code timesteps()[i]} turns {@code sample} into the next sample. */
    Tensor step(Tensor modelOutput, int i, Tensor sample);
}
