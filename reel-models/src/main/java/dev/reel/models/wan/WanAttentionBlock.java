package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Conv2d;
import dev.reel.models.nn.Module;

/**
 * Single-head self-attention over the pixels of each frame separately (frames never attend to each other, so
 * the block needs no cache): {@code x + proj(attention(to_qkv(norm(x))))}, with 1×1 convolutions for the
 * projections. Shape {@code [B, C, T, H, W]} is kept.
 */
public final class WanAttentionBlock extends Module {
    public final WanRMSNorm norm;
    public final Conv2d toQkv;
    public final Conv2d proj;
    private final int dim;

    public WanAttentionBlock(int dim) {
        this.dim = dim;
        this.norm = child("norm", new WanRMSNorm(dim, true, false));
        this.toQkv = child("to_qkv", new Conv2d(dim, 3 * dim, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, true));
        this.proj = child("proj", new Conv2d(dim, dim, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, true));
    }

    public Tensor forward(Tensor x) {
        Backend b = x.backend();
        int batch = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
        Tensor frames = x.permute(0, 2, 1, 3, 4).reshape(batch * t, c, h, w);     // [B·T, C, H, W]
        Tensor qkv = toQkv.forward(norm.forward(frames));                           // [B·T, 3C, H, W]
        Tensor tokens = qkv.reshape(batch * t, 1, 3 * c, h * w).permute(0, 1, 3, 2); // [B·T, 1, HW, 3C]
        Tensor[] parts = tokens.chunk(3, -1);                                        // q, k, v [B·T, 1, HW, C]
        Tensor attended = b.attention(parts[0], parts[1], parts[2], null, (float) (1.0 / Math.sqrt(dim)));
        Tensor back = attended.squeeze(1).permute(0, 2, 1).reshape(batch * t, c, h, w); // [B·T, C, H, W]
        Tensor out = proj.forward(back).reshape(batch, t, c, h, w).permute(0, 2, 1, 3, 4); // [B, C, T, H, W]
        return b.add(out, x);
    }
}
