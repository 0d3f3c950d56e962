package dev.reel.models.nn;

import dev.reel.core.Tensor;

/** 3-D convolution {@code [B, Cin, T, H, W] → [B, Cout, T', H', W']} with symmetric zero padding. */
public final class Conv3d extends Module {
    public final Parameter weight;
    public final Parameter bias;
    private final int[] stride;
    private final int[] padding;

    public Conv3d(int in, int out, int[] kernel, int[] stride, int[] padding, boolean bias) {
        this.weight = param("weight", out, in, kernel[0], kernel[1], kernel[2]);
        this.bias = bias ? param("bias", out) : null;
        this.stride = stride.clone();
        this.padding = padding.clone();
    }

    public Tensor forward(Tensor x) {
        return x.backend().conv3d(x, weight.get(), bias == null ? null : bias.get(), stride, padding);
    }
}
