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
 * {@code 1/√headDim}, output projection {@code to_out.0}. In image-to-video models the cross-attention also
 * attends, with the same queries, to the embedded image states through {@code add_k_proj} (RMS-normed by
 * {@code norm_added_k}) and {@code add_v_proj}; the two attentions' outputs are summed before {@code to_out.0}.
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
    /** {@code add_k_proj}: image keys, or null without an image branch. */
    public final Linear addKProj;
    /** {@code add_v_proj}: image values, or null. */
    public final Linear addVProj;
    /** {@code norm_added_k}: over the whole inner dim, or null. */
    public final RMSNorm normAddedK;

    private final int heads;
    private final int headDim;

    public WanAttention(int dim, int heads, int headDim, float eps) { this(dim, heads, headDim, eps, 0); }

    /** @param addedKvProjDim input width of the image key/value projections; 0 for none */
    public WanAttention(int dim, int heads, int headDim, float eps, int addedKvProjDim) {
        int inner = heads * headDim;
        this.heads = heads;
        this.headDim = headDim;
        this.toQ = child("to_q", new Linear(dim, inner, true));
        this.toK = child("to_k", new Linear(dim, inner, true));
        this.toV = child("to_v", new Linear(dim, inner, true));
        this.toOut = child("to_out.0", new Linear(inner, dim, true));
        this.normQ = child("norm_q", new RMSNorm(inner, eps, true));
        this.normK = child("norm_k", new RMSNorm(inner, eps, true));
        this.addKProj = addedKvProjDim > 0 ? child("add_k_proj", new Linear(addedKvProjDim, inner, true)) : null;
        this.addVProj = addedKvProjDim > 0 ? child("add_v_proj", new Linear(addedKvProjDim, inner, true)) : null;
        this.normAddedK = addedKvProjDim > 0 ? child("norm_added_k", new RMSNorm(inner, eps, true)) : null;
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
        return forward(x, context, null, rope, seq);
    }

    /**
     * Cross-attention to the text and, when {@code image} is given (the embedded image states {@code [B, Li, dim]}),
     * to the image through the added projections: {@code to_out(attn(q, k, v) + attn(q, k_img, v_img))}.
     * Self-attention when {@code context} is null (then {@code image} must be null).
     */
    public Tensor forward(Tensor x, Tensor context, Tensor image, WanRotaryPosEmbed.Freqs rope, SequenceParallel seq) {
        if (image != null && (context == null || addKProj == null)) {
            throw new IllegalArgumentException(addKProj == null ? "this attention has no image projections (add_k_proj)" : "image states go with a text context (cross-attention)");
        }
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
            if (image != null) {
                Tensor ki = normAddedK.forward(addKProj.forward(image)).unflatten(2, heads, headDim);  // [B, Li, H, D]
                Tensor vi = addVProj.forward(image).unflatten(2, heads, headDim);
                o = o.add(SequenceParallel.LOCAL.attention(q, ki, vi, scale).flatten(2, 3));
            }
            return scope.keep(toOut.forward(o));
        }
    }
}
