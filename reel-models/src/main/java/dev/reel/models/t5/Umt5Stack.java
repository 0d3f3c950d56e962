package dev.reel.models.t5;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import java.util.ArrayList;
import java.util.List;

/** The encoder stack: the blocks, then {@code final_layer_norm}. Its token embedding is the model's shared one. */
final class Umt5Stack extends Module {
    final List<Umt5Block> block;
    final Umt5LayerNorm finalLayerNorm;
    private final Umt5Config config;

    Umt5Stack(Umt5Config c) {
        config = c;
        List<Umt5Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) blocks.add(new Umt5Block(c));
        block = children("block", blocks);
        finalLayerNorm = child("final_layer_norm", new Umt5LayerNorm(c.dModel(), (float) c.layerNormEpsilon()));
    }

    /** Embedded tokens {@code [B, L, dModel]} and the additive padding mask {@code [B, 1, 1, L]} → {@code [B, L, dModel]}. */
    Tensor forward(Tensor x, Tensor mask) {
        int len = x.size(1);
        int[] buckets = RelativePositionBuckets.bidirectional(len, len, config.relativeAttentionNumBuckets(), config.relativeAttentionMaxDistance());
        for (Umt5Block b : block) {
            try (var scope = Scope.open()) { // frees each block's intermediates (the [B, H, L, L] bias above all)
                x = scope.keep(b.forward(x, buckets, mask));
            }
        }
        return finalLayerNorm.forward(x);
    }
}
