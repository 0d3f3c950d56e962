package dev.reel.models.wan;

import dev.reel.core.Tensor;

/**
 * The VAE encoder's latent distribution (Diffusers' {@code DiagonalGaussianDistribution}): per-element mean
 * and log-variance, both {@code [B, z, T, H, W]}, the log-variance clamped to [−30, 20].
 */
public record DiagonalGaussian(Tensor mean, Tensor logvar) {
    /** The distribution's mode, which is its mean (what the pipelines use for image conditioning). */
    public Tensor mode() { return mean; }
}
