package dev.reel.models.wan;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * One decoder level of Wan2.2's VAE ({@code is_residual}): {@code num_res_blocks + 1} residual blocks and an
 * optional 2× upsampler that keeps the channel count ({@code upsample_out_dim = out}), plus, when upsampling, the
 * level's input through the parameter-free {@link DupUp3D} shortcut. Shape
 * {@code [B, in, T, H, W] → [B, out, T', 2H, 2W]} (unchanged size on the last level).
 */
public final class WanResidualUpBlock extends Module {
    public final List<WanResidualBlock> resnets;
    /** Null on the last level. */
    public final WanResample upsampler;
    /** Null on the last level. */
    private final DupUp3D avgShortcut;

    public WanResidualUpBlock(int in, int out, int numResBlocks, boolean temporalUpsample, boolean upFlag) {
        this.avgShortcut = upFlag ? new DupUp3D(in, out, temporalUpsample ? 2 : 1, 2) : null;
        List<WanResidualBlock> blocks = new ArrayList<>();
        for (int i = 0; i <= numResBlocks; i++) blocks.add(new WanResidualBlock(i == 0 ? in : out, out));
        this.resnets = children("resnets", blocks);
        this.upsampler = upFlag
                ? child("upsampler", new WanResample(out, temporalUpsample ? WanResample.Mode.UPSAMPLE_3D : WanResample.Mode.UPSAMPLE_2D, out))
                : null;
    }

    /** {@code firstChunk}: the decode's first latent frame (the shortcut then makes one frame, as the upsampler). */
    public Tensor forward(Tensor x, WanFeatureCache cache, boolean firstChunk) {
        Tensor h = x;
        for (WanResidualBlock r : resnets) h = BlockChain.advance(h, r.forward(h, cache), x);
        if (upsampler != null) h = BlockChain.advance(h, upsampler.forward(h, cache), x);
        return avgShortcut == null ? h : BlockChain.advance(h, h.add(avgShortcut.forward(x, firstChunk)), x);
    }
}
