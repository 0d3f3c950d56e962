package dev.reel.models.t5;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.RMSNorm;

/** Pre-norm self-attention sub-layer with residual: {@code x + SelfAttention(layer_norm(x))}. */
final class Umt5LayerSelfAttention extends Module {
    final Umt5Attention selfAttention;
    /** T5's layer norm: RMS only (no mean, no bias), statistics in fp32. */
    final RMSNorm layerNorm;

    Umt5LayerSelfAttention(Umt5Config c) {
        selfAttention = child("SelfAttention", new Umt5Attention(c));
        layerNorm = child("layer_norm", new RMSNorm(c.dModel(), (float) c.layerNormEpsilon(), true));
    }

    Tensor forward(Tensor x, int[] buckets, Tensor mask) {
        return x.add(selfAttention.forward(layerNorm.forward(x), buckets, mask));
    }
}
