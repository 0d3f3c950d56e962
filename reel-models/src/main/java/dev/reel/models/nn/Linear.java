package dev.reel.models.nn;

import dev.reel.core.Tensor;

/** {@code y = x·Wᵀ + b} with W {@code [out, in]} as stored in checkpoints. */
public final class Linear extends Module {
    public final Parameter weight;
    public final Parameter bias;

    public Linear(int in, int out, boolean bias) {
        this.weight = param("weight", out, in);
        this.bias = bias ? param("bias", out) : null;
    }

    /** x {@code [..., in]} → {@code [..., out]}. */
    public Tensor forward(Tensor x) {
        return x.backend().linear(x, weight.get(), bias == null ? null : bias.get());
    }
}
