package dev.reel.models.schedulers;

import dev.reel.core.Tensor;

/**
 * A flow-matching sampler: the noise schedule (timesteps and sigmas for a number of steps) and the update that
 * turns the model's velocity prediction at step {@code i} into the sample for step {@code i + 1}.
 *
 * <pre>{@code
 * scheduler.setTimesteps(steps);
 * Tensor latents = noise.mul((float) scheduler.initNoiseSigma());
 * for (int i = 0; i < steps; i++) {
 *     Tensor v = transformer.forward(latents, scheduler.timesteps()[i], context);
 *     latents = scheduler.step(v, i, latents);
 * }
 * }</pre>
 *
 * Steps compute in the sample's dtype (keep latents in F32, as the reference does) and return a new tensor of
 * that dtype; the sample passed in is not modified.
 */
public interface NoiseScheduler {

    /** Computes the schedule for {@code numInferenceSteps} steps and clears any state of a previous run. */
    void setTimesteps(int numInferenceSteps);

    /** Steps in the current schedule; 0 before {@link #setTimesteps}. */
    int numInferenceSteps();

    /** The training schedule's length ({@code num_train_timesteps}): timesteps run from it down to 0. */
    int numTrainTimesteps();

    /** The timestep the model is given at each step (length {@link #numInferenceSteps()}), high to low. */
    double[] timesteps();

    /** The noise level at each step plus the final one (length {@link #numInferenceSteps()} + 1). */
    double[] sigmas();

    /** Standard deviation of the initial noise (1 for flow matching). */
    default double initNoiseSigma() { return 1.0; }

    /**
     * One denoising step: from {@code sample} at {@code sigmas()[stepIndex]} and the model's output for it to
     * the sample at {@code sigmas()[stepIndex + 1]}.
     */
    Tensor step(Tensor modelOutput, int stepIndex, Tensor sample);

    /**
     * Frees what the sampler keeps across steps (UniPC's history of model outputs and its last sample, which live
     * outside the caller's scopes) and restarts at step 0; the schedule stays. Call it when a run ends, however
     * it ends: on a GPU that memory is not returned otherwise.
     */
    default void reset() {}

    /**
     * The flow-matching forward process at step {@code stepIndex}: {@code σ·noise + (1 − σ)·sample}, for starting
     * part-way through the schedule (video-to-video).
     */
    default Tensor scaleNoise(Tensor sample, int stepIndex, Tensor noise) {
        double sigma = sigmas()[Schedules.checkStep(stepIndex, numInferenceSteps())];
        return Schedules.combine(new double[] {sigma, 1 - sigma}, noise, sample.to(noise.dtype()));
    }
}
