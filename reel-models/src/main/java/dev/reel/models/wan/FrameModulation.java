package dev.reel.models.wan;

import dev.reel.core.Tensor;

/**
 * AdaLN modulation and gated residuals with one modulation vector per batch element ({@code [B, 1, dim]}) or per
 * latent frame ({@code [B, F, 1, dim]}, Wan2.2 TI2V's per-token timesteps): in the second case the tokens
 * {@code [B, L, dim]} (frame-major, L = F · tokens per frame) are viewed as {@code [B, F, L/F, dim]} so that each
 * frame's tokens take their frame's vector, then viewed back.
 */
final class FrameModulation {
    private FrameModulation() {}

    /** {@code x · (1 + scale) + shift}. */
    static Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        if (shift.rank() == x.rank()) return x.backend().modulate(x, shift, scale);
        return x.backend().modulate(byFrame(x, shift), shift, scale).reshape(x.shape());
    }

    /** {@code x + y · gate}. */
    static Tensor gatedResidual(Tensor x, Tensor y, Tensor gate) {
        if (gate.rank() == x.rank()) return x.backend().gatedResidual(x, y, gate);
        return x.backend().gatedResidual(byFrame(x, gate), byFrame(y, gate), gate).reshape(x.shape());
    }

    /** {@code [B, L, dim]} as {@code [B, F, L/F, dim]} for a per-frame {@code [B, F, 1, dim]} vector. */
    private static Tensor byFrame(Tensor x, Tensor perFrame) {
        int frames = perFrame.size(1), tokens = x.size(1);
        if (tokens % frames != 0) throw new dev.reel.core.ShapeException("FrameModulation", tokens + " tokens are not whole frames of " + frames + " latent frames");
        return x.reshape(x.size(0), frames, tokens / frames, x.size(2));
    }
}
