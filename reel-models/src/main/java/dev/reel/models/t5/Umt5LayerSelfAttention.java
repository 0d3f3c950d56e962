package dev.reel.models.t5;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;

/** Pre-norm self-attention sub-layer with residual: {@code x + SelfAttention(layer_norm(x))}. */
final class Umt5LayerSelfAttention extends Module {
    final Umt5Attention selfAttention;
    /** {@code layer_norm}. */
    final Umt5LayerNorm layerNorm;

    Umt5LayerSelfAttention(Umt5Config c) {
        selfAttention = child("SelfAttention", new Umt5Attention(c));
        layerNorm = child("layer_norm", new Umt5LayerNorm(c.dModel(), (float) c.layerNormEpsilon()));
    }

    Tensor forward(Tensor x, int[] buckets, Tensor mask) {
        return Umt5Block.residual(x, selfAttention.forward(layerNorm.forward(x), buckets, mask));
    }
}
