package dev.reel.models.t5;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Embedding;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/**
 * UMT5 self-attention: bias-free q/k/v/o projections, no {@code 1/√d} scaling (T5 folds it into the weights'
 * initialisation), and an additive bias of this layer's own relative-position table plus the padding mask.
 */
final class Umt5Attention extends Module {
    final Linear q, k, v, o;
    /** {@code [numBuckets, numHeads]}: one learned bias per bucket and head (every UMT5 layer has its own). */
    final Embedding relativeAttentionBias;
    private final int heads, dKv;

    Umt5Attention(Umt5Config c) {
        heads = c.numHeads();
        dKv = c.dKv();
        q = child("q", new Linear(c.dModel(), c.innerDim(), false));
        k = child("k", new Linear(c.dModel(), c.innerDim(), false));
        v = child("v", new Linear(c.dModel(), c.innerDim(), false));
        o = child("o", new Linear(c.innerDim(), c.dModel(), false));
        relativeAttentionBias = child("relative_attention_bias", new Embedding(c.relativeAttentionNumBuckets(), heads));
    }

    /**
     * x {@code [B, L, dModel]}, buckets {@code [L·L]} (query-major), mask {@code [B, 1, 1, L]} F32 additive →
     * {@code [B, L, dModel]}.
     */
    Tensor forward(Tensor x, int[] buckets, Tensor mask) {
        int b = x.size(0), len = x.size(1);
        Tensor qh = heads(q.forward(x), b, len);
        Tensor kh = heads(k.forward(x), b, len);
        Tensor vh = heads(v.forward(x), b, len);
        Tensor bias = positionBias(buckets, len).add(mask);                   // [B, H, L, L], F32
        Tensor ctx = x.backend().attention(qh, kh, vh, bias, 1f);             // [B, H, L, dKv]
        return o.forward(ctx.permute(0, 2, 1, 3).reshape(b, len, heads * dKv));
    }

    /** {@code [B, L, H·dKv]} → {@code [B, H, L, dKv]} (a view). */
    private Tensor heads(Tensor t, int b, int len) {
        return t.view(b, len, heads, dKv).permute(0, 2, 1, 3);
    }

    /** The relative-position bias {@code [1, H, L, L]} in F32. */
    private Tensor positionBias(int[] buckets, int len) {
        Tensor values = relativeAttentionBias.forward(buckets, len, len).to(DType.F32); // [L, L, H]
        return values.permute(2, 0, 1).unsqueeze(0);
    }
}
