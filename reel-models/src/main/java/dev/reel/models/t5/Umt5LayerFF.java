package dev.reel.models.t5;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.RMSNorm;

/** Pre-norm feed-forward sub-layer with residual: {@code x + DenseReluDense(layer_norm(x))}. */
final class Umt5LayerFF extends Module {
    final Umt5DenseGatedActDense denseReluDense;
    final RMSNorm layerNorm;

    Umt5LayerFF(Umt5Config c) {
        denseReluDense = child("DenseReluDense", new Umt5DenseGatedActDense(c));
        layerNorm = child("layer_norm", new RMSNorm(c.dModel(), (float) c.layerNormEpsilon(), true));
    }

    Tensor forward(Tensor x) {
        return x.add(denseReluDense.forward(layerNorm.forward(x)));
    }
}
