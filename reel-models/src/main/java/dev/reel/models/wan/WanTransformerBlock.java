package dev.reel.models.wan;

import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.DitHooks;
import dev.reel.models.nn.LayerNorm;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Parameter;
import dev.reel.models.nn.SequenceParallel;

/**
 * One Wan transformer block: AdaLN-modulated self-attention with a gated residual, (optionally normed)
 * cross-attention to the text with a plain residual, AdaLN-modulated feed-forward with a gated residual.
 * The six modulation vectors are the block's {@code scale_shift_table} plus the timestep projection, in
 * fp32 as in the reference.
 */
public final class WanTransformerBlock extends Module {
    /** {@code norm1}: no affine. */
    public final LayerNorm norm1;
    /** {@code attn1}: self-attention. */
    public final WanAttention attn1;
    /** {@code attn2}: cross-attention. */
    public final WanAttention attn2;
    /** {@code norm2}: affine when {@code cross_attn_norm}, else null (identity). */
    public final LayerNorm norm2;
    /** {@code ffn}. */
    public final FeedForward ffn;
    /** {@code norm3}: no affine. */
    public final LayerNorm norm3;
    /** {@code scale_shift_table} {@code [1, 6, dim]}: shift/scale/gate for attention, then for the FFN. */
    public final Parameter scaleShiftTable;

    public WanTransformerBlock(int dim, int ffnDim, int numHeads, boolean crossAttnNorm, float eps) {
        this(dim, ffnDim, numHeads, crossAttnNorm, eps, 0);
    }

    /** @param addedKvProjDim the cross-attention's image key/value input width (image-to-video), 0 for none */
    public WanTransformerBlock(int dim, int ffnDim, int numHeads, boolean crossAttnNorm, float eps, int addedKvProjDim) {
        this.norm1 = child("norm1", new LayerNorm(dim, eps, false));
        this.attn1 = child("attn1", new WanAttention(dim, numHeads, dim / numHeads, eps));
        this.attn2 = child("attn2", new WanAttention(dim, numHeads, dim / numHeads, eps, addedKvProjDim));
        this.norm2 = crossAttnNorm ? child("norm2", new LayerNorm(dim, eps, true)) : null;
        this.ffn = child("ffn", new FeedForward(dim, ffnDim));
        this.norm3 = child("norm3", new LayerNorm(dim, eps, false));
        this.scaleShiftTable = param("scale_shift_table", 1, 6, dim);
    }

    /**
     * @param x            {@code [B, L, dim]} video tokens
     * @param text         {@code [B, Ltext, dim]} projected text states
     * @param timestepProj {@code [B, 6, dim]} from the condition embedder, or {@code [B, F, 6, dim]} per latent frame
     * @param rope         rotary tables for the {@code L} tokens
     * @return {@code [B, L, dim]}, x's dtype
     */
    public Tensor forward(Tensor x, Tensor text, Tensor timestepProj, WanRotaryPosEmbed.Freqs rope) {
        return forward(x, text, timestepProj, rope, SequenceParallel.LOCAL, DitHooks.NONE, 0);
    }

    /**
     * The block with {@code hooks} around its two attentions.
     *
     * @param index this block's position in the stack (what the hooks key their state by)
     */
    public Tensor forward(Tensor x, Tensor text, Tensor timestepProj, WanRotaryPosEmbed.Freqs rope, DitHooks hooks, int index) {
        return forward(x, text, null, timestepProj, rope, SequenceParallel.LOCAL, hooks, index);
    }

    /** As {@link #forward(Tensor, Tensor, Tensor, WanRotaryPosEmbed.Freqs)} on this rank's token shard under {@code seq}. */
    public Tensor forward(Tensor x, Tensor text, Tensor timestepProj, WanRotaryPosEmbed.Freqs rope, SequenceParallel seq) {
        return forward(x, text, null, timestepProj, rope, seq, DitHooks.NONE, 0);
    }

    /** The block on this rank's token shard under {@code seq}, with {@code hooks} around its attentions. */
    public Tensor forward(Tensor x, Tensor text, Tensor timestepProj, WanRotaryPosEmbed.Freqs rope, SequenceParallel seq, DitHooks hooks, int index) {
        return forward(x, text, null, timestepProj, rope, seq, hooks, index);
    }

    /**
     * The block with the embedded image states {@code image} {@code [B, Li, dim]} (image-to-video; null for none)
     * cross-attended beside the text.
     */
    public Tensor forward(Tensor x, Tensor text, Tensor image, Tensor timestepProj, WanRotaryPosEmbed.Freqs rope, SequenceParallel seq,
                          DitHooks hooks, int index) {
        // [B, 6, dim], or per latent frame [B, F, 6, dim] (Wan2.2 TI2V): 6 × [B, 1, dim] or [B, F, 1, dim] fp32
        boolean perFrame = timestepProj.rank() == 4;
        Tensor table = scaleShiftTable.get().to(DType.F32);
        Tensor[] mod = perFrame ? table.unsqueeze(0).add(timestepProj.to(DType.F32)).chunk(6, 2) : table.add(timestepProj.to(DType.F32)).chunk(6, 1);
        Tensor shiftMsa = mod[0], scaleMsa = mod[1], gateMsa = mod[2];
        Tensor cShiftMsa = mod[3], cScaleMsa = mod[4], cGateMsa = mod[5];

        // each stage in its own scope: only the new residual stream outlives it
        // 1. self-attention
        try (Scope stage = Scope.open()) {
            Tensor h = FrameModulation.modulate(norm1.forward(x), shiftMsa, scaleMsa);
            Tensor attended = hooks.attention(index, DitHooks.AttentionKind.SELF, () -> attn1.forward(h, null, rope, seq));
            x = stage.keep(FrameModulation.gatedResidual(x, attended, gateMsa));
        }

        // 2. cross-attention; norm2's affine weights are kept fp32, so it runs on an fp32 copy as in the reference
        try (Scope stage = Scope.open()) {
            Tensor h = norm2 == null ? x : norm2.forward(x.to(DType.F32)).to(x.dtype());
            x = stage.keep(x.add(hooks.attention(index, DitHooks.AttentionKind.CROSS, () -> attn2.forward(h, text, image, null, SequenceParallel.LOCAL))));
        }

        // 3. feed-forward
        try (Scope stage = Scope.open()) {
            Tensor h = FrameModulation.modulate(norm3.forward(x), cShiftMsa, cScaleMsa);
            return stage.keep(FrameModulation.gatedResidual(x, ffn.forward(h), cGateMsa));
        }
    }
}
