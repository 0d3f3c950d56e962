package dev.reel.models.clip;

import dev.reel.core.Backend;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Conv2d;
import dev.reel.models.nn.Embedding;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Parameter;

/**
 * {@code embeddings}: the class token, then one token per patch (a bias-free strided convolution), plus a learned
 * position embedding per token.
 */
public final class ClipVisionEmbeddings extends Module {
    /** {@code class_embedding} {@code [hidden]}. */
    public final Parameter classEmbedding;
    /** {@code patch_embedding}: Conv2d(channels → hidden, kernel = stride = patch), no bias. */
    public final Conv2d patchEmbedding;
    /** {@code position_embedding} {@code [tokens, hidden]}. */
    public final Embedding positionEmbedding;

    private final ClipVisionConfig config;

    public ClipVisionEmbeddings(ClipVisionConfig config) {
        this.config = config;
        int p = config.patchSize();
        this.classEmbedding = param("class_embedding", config.hiddenSize());
        this.patchEmbedding = child("patch_embedding", new Conv2d(config.numChannels(), config.hiddenSize(), new int[] {p, p}, new int[] {p, p}, new int[2], false));
        this.positionEmbedding = child("position_embedding", new Embedding(config.numPositions(), config.hiddenSize()));
    }

    /** pixel values {@code [B, C, S, S]} → tokens {@code [B, 1 + (S/p)², hidden]}. */
    public Tensor forward(Tensor pixelValues) {
        Backend b = pixelValues.backend();
        int batch = pixelValues.size(0), hidden = config.hiddenSize(), n = config.numPositions();
        Tensor patches = patchEmbedding.forward(pixelValues.to(patchEmbedding.weight.get().dtype()))  // [B, hidden, g, g]
                .flatten(2, 3).transpose(1, 2);                                                         // [B, g², hidden]
        Tensor cls = classEmbedding.get().reshape(1, 1, hidden).expand(batch, 1, hidden).to(patches.dtype());
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        Tensor positions = positionEmbedding.forward(ids, 1, n);                                        // [1, tokens, hidden]
        return b.concat(1, cls, patches).add(positions);
    }
}
