package dev.reel.models.wan;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/**
 * Diffusers' {@code PixArtAlphaTextProjection} with {@code act_fn="gelu_tanh"}: projects text-encoder states
 * into the model width, {@code linear_2(gelu_tanh(linear_1(x)))}, {@code [B, L, textDim] → [B, L, dim]}.
 */
public final class PixArtAlphaTextProjection extends Module {
    /** {@code linear_1}. */
    public final Linear linear1;
    /** {@code linear_2}. */
    public final Linear linear2;

    public PixArtAlphaTextProjection(int inFeatures, int hiddenSize) {
        this.linear1 = child("linear_1", new Linear(inFeatures, hiddenSize, true));
        this.linear2 = child("linear_2", new Linear(hiddenSize, hiddenSize, true));
    }

    public Tensor forward(Tensor x) {
        return linear2.forward(x.backend().geluTanh(linear1.forward(x)));
    }
}
