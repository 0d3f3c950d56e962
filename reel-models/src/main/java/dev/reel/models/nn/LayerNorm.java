package dev.reel.models.nn;

import dev.reel.core.Tensor;

/** Layer norm over the last dim, optionally with affine weight and bias (PyTorch's {@code nn.LayerNorm}). */
public final class LayerNorm extends Module {
    public final Parameter weight;
    public final Parameter bias;
    private final float eps;

    public LayerNorm(int dim, float eps, boolean elementwiseAffine) {
        this.eps = eps;
        this.weight = elementwiseAffine ? param("weight", dim) : null;
        this.bias = elementwiseAffine ? param("bias", dim) : null;
    }

    public Tensor forward(Tensor x) {
        return x.backend().layerNorm(x, weight == null ? null : weight.get(), bias == null ? null : bias.get(), eps);
    }
}
