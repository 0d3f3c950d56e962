package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;

/**
 * The VAE's residual block: {@code norm1 → SiLU → conv1 → norm2 → SiLU → (dropout) → conv2}, plus the input
 * through a 1×1×1 {@code conv_shortcut} when the channel count changes. Both 3×3×3 convolutions are causal and
 * cached across chunks. Shape {@code [B, in, T, H, W] → [B, out, T, H, W]}.
 */
public final class WanResidualBlock extends Module {
    public final WanRMSNorm norm1;
    public final WanCausalConv3d conv1;
    public final WanRMSNorm norm2;
    public final WanCausalConv3d conv2;
    /** Null when {@code in == out} (identity shortcut). */
    public final WanCausalConv3d convShortcut;

    public WanResidualBlock(int in, int out) {
        this.norm1 = child("norm1", new WanRMSNorm(in, false, false));
        this.conv1 = child("conv1", new WanCausalConv3d(in, out, 3, 1));
        this.norm2 = child("norm2", new WanRMSNorm(out, false, false));
        this.conv2 = child("conv2", new WanCausalConv3d(out, out, 3, 1));
        this.convShortcut = in != out ? child("conv_shortcut", new WanCausalConv3d(in, out, 1, 0)) : null;
    }

    public Tensor forward(Tensor x, WanFeatureCache cache) {
        Backend b = x.backend();
        // each half's norm and SiLU die as soon as its convolution has run: at 480×832 one chunk's tensor is
        // ~300 MB in bf16, and a decode runs ~30 of these blocks per chunk
        try (Scope scope = Scope.open()) {
            Tensor h = half(norm1, conv1, x, cache);
            Tensor h2 = half(norm2, conv2, h, cache);   // dropout is the identity at inference
            Scope.release(h);   // not while a tape holds it for the backward
            Tensor shortcut = convShortcut == null ? x : convShortcut.forward(x);
            return scope.keep(b.add(h2, shortcut));
        }
    }

    /** {@code conv(SiLU(norm(x)))}, only the convolution's output surviving. */
    static Tensor half(WanRMSNorm norm, WanCausalConv3d conv, Tensor x, WanFeatureCache cache) {
        try (Scope scope = Scope.open()) {
            return scope.keep(conv.forward(norm.forward(x, true), cache));
        }
    }
}
