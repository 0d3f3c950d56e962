package dev.reel.models.nn;

import dev.reel.core.Tensor;

/** 2-D convolution {@code [B, Cin, H, W] → [B, Cout, H', W']} with symmetric zero padding. */
public final class Conv2d extends Module {
    public final Parameter weight;
    public final Parameter bias;
    private final int[] stride;
    private final int[] padding;

    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, boolean bias) {
        this.weight = param("weight", out, in, kernel[0], kernel[1]);
        this.bias = bias ? param("bias", out) : null;
        this.stride = stride.clone();
        this.padding = padding.clone();
    }

    public Tensor forward(Tensor x) {
        return x.backend().conv2d(x, weight.get(), bias == null ? null : bias.get(), stride, padding);
    }
}
