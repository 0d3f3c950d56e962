package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.RMSNorm;
import dev.reel.models.nn.SequenceParallel;

/**
 * Wan's attention ({@code attn1} self-attention with rotary positions, {@code attn2} cross-attention to the
 * text): q/k/v projections, RMS norm of q and k across all heads ({@code rms_norm_across_heads}), rotary
 * embedding on q and k after the norm (self-attention only), scaled dot-product attention with scale
 * {@code 1/√headDim}, output projection {@code to_out.0}.
 */
public final class WanAttention extends Module {
    /** {@code to_q}. */
    public final Linear toQ;
    /** {@code to_k}. */
    public final Linear toK;
    /** {@code to_v}. */
    public final Linear toV;
    /** {@code to_out.0} ({@code to_out.1} is dropout). */
    public final Linear toOut;
    /** {@code norm_q}: over the whole inner dim. */
    public final RMSNorm normQ;
    /** {@code norm_k}: over the whole inner dim. */
    public final RMSNorm normK;

    private final int heads;
    private final int headDim;

    public WanAttention(int dim, int heads, int headDim, float eps) {
        int inner = heads * headDim;
        this.heads = heads;
        this.headDim = headDim;
        this.toQ = child("to_q", new Linear(dim, inner, true));
        this.toK = child("to_k", new Linear(dim, inner, true));
        this.toV = child("to_v", new Linear(dim, inner, true));
        this.toOut = child("to_out.0", new Linear(inner, dim, true));
        this.normQ = child("norm_q", new RMSNorm(inner, eps, true));
        this.normK = child("norm_k", new RMSNorm(inner, eps, true));
    }

    /**
     * @param x       {@code [B, L, dim]} queries' source
     * @param context {@code [B, Lc, dim]} keys' and values' source, or null for self-attention
     * @param rope    rotary tables for the {@code L} tokens, or null (cross-attention)
     * @return {@code [B, L, dim]}
     */
    public Tensor forward(Tensor x, Tensor context, WanRotaryPosEmbed.Freqs rope) {
        return forward(x, context, rope, SequenceParallel.LOCAL);
    }

    /**
     * As {@link #forward(Tensor, Tensor, WanRotaryPosEmbed.Freqs)}, with the tokens of {@code x} (and {@code rope})
     * this rank's shard under {@code seq}: self-attention then sees the whole sequence (Ulysses' exchange);
     * cross-attention ({@code context} given) stays local, the text being whole on every rank.
     */
    public Tensor forward(Tensor x, Tensor context, WanRotaryPosEmbed.Freqs rope, SequenceParallel seq) {
        Backend b = x.backend();
        Tensor kv = context == null ? x : context;
        try (Scope scope = Scope.open()) {   // q/k/v and their normed/rotated copies die here, not at the block's end
            Tensor q = normQ.forward(toQ.forward(x)).unflatten(2, heads, headDim);    // [B, L, H, D]
            Tensor k = normK.forward(toK.forward(kv)).unflatten(2, heads, headDim);   // [B, Lc, H, D]
            Tensor v = toV.forward(kv).unflatten(2, heads, headDim);                  // [B, Lc, H, D]
            if (rope != null) {
                q = b.rope(q, rope.cos(), rope.sin());
                k = b.rope(k, rope.cos(), rope.sin());
            }
            float scale = (float) (1.0 / Math.sqrt(headDim));
            SequenceParallel over = context == null ? seq : SequenceParallel.LOCAL;
            Tensor o = over.attention(q, k, v, scale).flatten(2, 3);                  // [B, L, H·D]
            return scope.keep(toOut.forward(o));
        }
    }
}
