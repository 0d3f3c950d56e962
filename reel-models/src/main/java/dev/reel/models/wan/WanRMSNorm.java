package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Parameter;

/**
 * The VAE's RMS norm over the channel dimension (Diffusers' {@code WanRMS_norm}, channel-first):
 * {@code x / max(‖x‖₂, 1e-12) · √C · gamma (+ bias)}, the L2 norm taken over dim 1 at every position.
 * {@code gamma} is {@code [C, 1, 1, 1]} for video {@code [B, C, T, H, W]} or {@code [C, 1, 1]} for images
 * {@code [B, C, H, W]}, as stored in the checkpoint. 16-bit inputs are normalised in their own dtype, as
 * Diffusers' {@code F.normalize} does (the norm accumulated in fp32, each step rounded once): an fp32 copy of a
 * 480p decode's activations would be the largest tensor of the whole VAE.
 */
public final class WanRMSNorm extends Module {
    /** {@code F.normalize}'s floor on the norm. */
    private static final float EPS = 1e-12f;

    public final Parameter gamma;
    public final Parameter bias;
    private final float scale;

    /** {@code images}: the input is {@code [B, C, H, W]} rather than {@code [B, C, T, H, W]}. */
    public WanRMSNorm(int dim, boolean images, boolean bias) {
        int[] shape = images ? new int[] {dim, 1, 1} : new int[] {dim, 1, 1, 1};
        this.gamma = param("gamma", shape);
        this.bias = bias ? param("bias", shape) : null;
        this.scale = (float) Math.sqrt(dim);
    }

    public Tensor forward(Tensor x) { return forward(x, false); }

    /** {@link #forward(Tensor)}, then SiLU when {@code silu} (as every residual half and the heads run it: one pass on a GPU). */
    public Tensor forward(Tensor x, boolean silu) {
        Backend b = x.backend();
        if (bias == null) return b.channelNorm(x, gamma.get(), scale, EPS, silu);
        try (Scope scope = Scope.open()) {
            Tensor out = b.add(b.channelNorm(x, gamma.get(), scale, EPS, false), bias.get());
            return scope.keep(silu ? b.silu(out) : out);
        }
    }
}
