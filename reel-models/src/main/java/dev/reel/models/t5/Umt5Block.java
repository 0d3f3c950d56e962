package dev.reel.models.t5;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;

/** One encoder block: {@code layer.0} self-attention, then {@code layer.1} feed-forward. */
final class Umt5Block extends Module {
    final Umt5LayerSelfAttention selfAttention;
    final Umt5LayerFF ff;

    Umt5Block(Umt5Config c) {
        selfAttention = child("layer.0", new Umt5LayerSelfAttention(c));
        ff = child("layer.1", new Umt5LayerFF(c));
    }

    /** {@code [B, L, dModel]} → {@code [B, L, dModel]}. */
    Tensor forward(Tensor x, int[] buckets, Tensor mask) {
        return ff.forward(selfAttention.forward(x, buckets, mask));
    }

    /**
     * A sub-layer's residual {@code x + y}, in fp32 when either is, as PyTorch promotes bf16 + fp32: with
     * {@code wo} kept fp32 the residual stream becomes fp32 at the first feed-forward and stays so.
     */
    static Tensor residual(Tensor x, Tensor y) {
        if (x.dtype() == y.dtype()) return x.add(y);
        return x.to(DType.F32).add(y.to(DType.F32));
    }
}
