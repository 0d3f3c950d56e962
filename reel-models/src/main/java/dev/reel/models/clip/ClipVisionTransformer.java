package dev.reel.models.clip;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.LayerNorm;
import dev.reel.models.nn.Module;

/**
 * {@code vision_model}: embeddings, {@code pre_layrnorm} (the checkpoint's spelling), the encoder layers, and
 * {@code post_layernorm} of the class token (the pooled output).
 */
public final class ClipVisionTransformer extends Module {
    /** {@code embeddings}. */
    public final ClipVisionEmbeddings embeddings;
    /** {@code pre_layrnorm}. */
    public final LayerNorm preLayrnorm;
    /** {@code encoder}. */
    public final ClipEncoder encoder;
    /** {@code post_layernorm}. */
    public final LayerNorm postLayernorm;

    public ClipVisionTransformer(ClipVisionConfig c) {
        float eps = (float) c.layerNormEps();
        this.embeddings = child("embeddings", new ClipVisionEmbeddings(c));
        this.preLayrnorm = child("pre_layrnorm", new LayerNorm(c.hiddenSize(), eps, true));
        this.encoder = child("encoder", new ClipEncoder(c));
        this.postLayernorm = child("post_layernorm", new LayerNorm(c.hiddenSize(), eps, true));
    }

    /**
     * Transformers' {@code hidden_states[layers]}: the normed embeddings run through the first {@code layers}
     * encoder layers ({@code 0}: the embeddings alone), {@code [B, tokens, hidden]}.
     */
    public Tensor hiddenStates(Tensor pixelValues, int layers) {
        if (layers < 0 || layers > encoder.layers.size()) throw new IllegalArgumentException("layers must be in 0.." + encoder.layers.size() + ", got " + layers);
        try (Scope scope = Scope.open()) {
            Tensor h = preLayrnorm.forward(embeddings.forward(pixelValues));
            for (int i = 0; i < layers; i++) {
                Tensor next;
                try (Scope layer = Scope.open()) {
                    next = layer.keep(encoder.layers.get(i).forward(h));
                }
                h.free();
                h = next;
            }
            return scope.keep(h);
        }
    }

    /** {@code pooler_output}: {@code post_layernorm} of the class token of {@code lastHiddenState}, {@code [B, hidden]}. */
    public Tensor pooled(Tensor lastHiddenState) {
        return postLayernorm.forward(lastHiddenState.select(1, 0));
    }
}
