package dev.reel.pipeline.stages;

/** Stage 4: the initial latents, seeded Gaussian noise or the request's own. */
public final class LatentPreparation {
    /** Channels of Wan2.1's latent space. */
    public static final int LATENT_CHANNELS = 16;

    private LatentPreparation() {}
}
