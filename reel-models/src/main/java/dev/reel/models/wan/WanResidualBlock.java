package dev.reel.models.wan;

import dev.reel.core.Backend;
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
        Tensor shortcut = convShortcut == null ? x : convShortcut.forward(x);
        Tensor h = conv1.forward(b.silu(norm1.forward(x)), cache);
        h = conv2.forward(b.silu(norm2.forward(h)), cache); // dropout is the identity at inference
        return b.add(h, shortcut);
    }
}
