package dev.reel.models.t5;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;

/** Pre-norm feed-forward sub-layer with residual: {@code x + DenseReluDense(layer_norm(x))}. */
final class Umt5LayerFF extends Module {
    final Umt5DenseGatedActDense denseReluDense;
    final Umt5LayerNorm layerNorm;

    Umt5LayerFF(Umt5Config c) {
        denseReluDense = child("DenseReluDense", new Umt5DenseGatedActDense(c));
        layerNorm = child("layer_norm", new Umt5LayerNorm(c.dModel(), (float) c.layerNormEpsilon()));
    }

    Tensor forward(Tensor x) {
        return Umt5Block.residual(x, denseReluDense.forward(layerNorm.forward(x)));
    }
}
