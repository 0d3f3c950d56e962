package dev.reel.models.clip;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.LayerNorm;
import dev.reel.models.nn.Module;

/** {@code encoder.layers.N}: pre-norm self-attention and MLP, each with a residual. */
public final class ClipEncoderLayer extends Module {
    /** {@code layer_norm1}. */
    public final LayerNorm layerNorm1;
    /** {@code self_attn}. */
    public final ClipAttention selfAttn;
    /** {@code layer_norm2}. */
    public final LayerNorm layerNorm2;
    /** {@code mlp}. */
    public final ClipMlp mlp;

    public ClipEncoderLayer(ClipVisionConfig c) {
        float eps = (float) c.layerNormEps();
        this.selfAttn = child("self_attn", new ClipAttention(c.hiddenSize(), c.numAttentionHeads()));
        this.layerNorm1 = child("layer_norm1", new LayerNorm(c.hiddenSize(), eps, true));
        this.mlp = child("mlp", new ClipMlp(c.hiddenSize(), c.intermediateSize(), c.hiddenAct()));
        this.layerNorm2 = child("layer_norm2", new LayerNorm(c.hiddenSize(), eps, true));
    }

    /** {@code [B, L, hidden]} → {@code [B, L, hidden]}. */
    public Tensor forward(Tensor x) {
        try (Scope scope = Scope.open()) {
            Tensor h = x.add(selfAttn.forward(layerNorm1.forward(x)));
            return scope.keep(h.add(mlp.forward(layerNorm2.forward(h))));
        }
    }
}
