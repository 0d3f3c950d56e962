package dev.reel.models.nn;

import dev.reel.core.Tensor;

/** RMS norm over the last dim: {@code x / sqrt(mean(x²) + eps) · weight}. */
public final class RMSNorm extends Module {
    public final Parameter weight;
    private final float eps;

    public RMSNorm(int dim, float eps, boolean elementwiseAffine) {
        this.eps = eps;
        this.weight = elementwiseAffine ? param("weight", dim) : null;
    }

    public Tensor forward(Tensor x) {
        return x.backend().rmsNorm(x, weight == null ? null : weight.get(), eps);
    }
}
