package dev.reel.models.wan;

import dev.reel.core.ShapeException;

/**
 * Per-token timesteps as Wan2.2 TI2V gives them ({@code expand_timesteps}): every token of a latent frame shares
 * one timestep (for image-to-video the first frame's tokens are at 0, the others at t), so they are kept per
 * (batch element, latent frame after the temporal patch) and the model modulates each frame's tokens with its
 * own embedding — the values Diffusers computes token by token, without its {@code [B, L, 6, dim]} tables.
 *
 * @param batch  batch elements
 * @param frames latent frames after the temporal patch ({@code T / p_t})
 * @param values {@code batch × frames} timesteps, batch-major
 */
public record FrameTimesteps(int batch, int frames, float[] values) {
    public FrameTimesteps {
        if (batch < 1 || frames < 1 || values.length != batch * frames) {
            throw new ShapeException("FrameTimesteps", batch + " × " + frames + " timesteps expected, got " + values.length);
        }
        values = values.clone();
    }

    @Override public float[] values() { return values.clone(); }

    /**
     * From Diffusers' per-token layout {@code timestep[b][token]} (tokens frame-major, {@code tokensPerFrame} per
     * latent frame); every token of a frame must carry the same value.
     */
    public static FrameTimesteps fromPerToken(float[][] perToken, int tokensPerFrame) {
        int batch = perToken.length, tokens = perToken[0].length;
        if (tokensPerFrame < 1 || tokens % tokensPerFrame != 0) {
            throw new ShapeException("FrameTimesteps", tokens + " tokens are not whole frames of " + tokensPerFrame);
        }
        int frames = tokens / tokensPerFrame;
        float[] v = new float[batch * frames];
        for (int b = 0; b < batch; b++) {
            if (perToken[b].length != tokens) throw new ShapeException("FrameTimesteps", "batch element " + b + " has " + perToken[b].length + " timesteps, not " + tokens);
            for (int f = 0; f < frames; f++) {
                float first = perToken[b][f * tokensPerFrame];
                for (int k = 1; k < tokensPerFrame; k++) {
                    if (perToken[b][f * tokensPerFrame + k] != first) {
                        throw new ShapeException("FrameTimesteps", "the tokens of latent frame " + f + " (batch element " + b + ") have different timesteps; only one per frame is supported");
                    }
                }
                v[b * frames + f] = first;
            }
        }
        return new FrameTimesteps(batch, frames, v);
    }

    /** The same timestep {@code t} for every frame but the first {@code conditioned} ones, which are at 0 (TI2V's image frame). */
    public static FrameTimesteps conditioned(int batch, int frames, int conditioned, float t) {
        float[] v = new float[batch * frames];
        for (int b = 0; b < batch; b++) for (int f = conditioned; f < frames; f++) v[b * frames + f] = t;
        return new FrameTimesteps(batch, frames, v);
    }
}
