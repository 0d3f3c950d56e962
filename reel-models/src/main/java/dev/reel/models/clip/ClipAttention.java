package dev.reel.models.clip;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/** {@code self_attn}: multi-head self-attention with biased q/k/v/out projections, scale {@code 1/√headDim}, no mask. */
public final class ClipAttention extends Module {
    /** {@code q_proj}. */
    public final Linear qProj;
    /** {@code k_proj}. */
    public final Linear kProj;
    /** {@code v_proj}. */
    public final Linear vProj;
    /** {@code out_proj}. */
    public final Linear outProj;

    private final int heads, headDim;

    public ClipAttention(int hidden, int heads) {
        this.heads = heads;
        this.headDim = hidden / heads;
        this.kProj = child("k_proj", new Linear(hidden, hidden, true));
        this.vProj = child("v_proj", new Linear(hidden, hidden, true));
        this.qProj = child("q_proj", new Linear(hidden, hidden, true));
        this.outProj = child("out_proj", new Linear(hidden, hidden, true));
    }

    /** {@code [B, L, hidden]} → {@code [B, L, hidden]}. */
    public Tensor forward(Tensor x) {
        try (Scope scope = Scope.open()) {
            Tensor q = qProj.forward(x).unflatten(2, heads, headDim).transpose(1, 2);   // [B, H, L, D]
            Tensor k = kProj.forward(x).unflatten(2, heads, headDim).transpose(1, 2);
            Tensor v = vProj.forward(x).unflatten(2, heads, headDim).transpose(1, 2);
            Tensor o = x.backend().attention(q, k, v, null, (float) (1.0 / Math.sqrt(headDim)))
                    .transpose(1, 2).flatten(2, 3);                                     // [B, L, hidden]
            return scope.keep(outProj.forward(o));
        }
    }
}
