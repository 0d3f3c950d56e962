package dev.reel.models.wan;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * One encoder level of Wan2.2's VAE ({@code is_residual}): {@code num_res_blocks} residual blocks and an optional
 * 2× downsampler (3-D where time is halved too), plus the level's input through the parameter-free
 * {@link AvgDown3D} shortcut. Shape {@code [B, in, T, H, W] → [B, out, T', H/2, W/2]} (H, W kept on the last level).
 */
public final class WanResidualDownBlock extends Module {
    public final List<WanResidualBlock> resnets;
    /** Null on the last level. */
    public final WanResample downsampler;
    private final AvgDown3D avgShortcut;

    public WanResidualDownBlock(int in, int out, int numResBlocks, boolean temporalDownsample, boolean downFlag) {
        this.avgShortcut = new AvgDown3D(in, out, temporalDownsample ? 2 : 1, downFlag ? 2 : 1);
        List<WanResidualBlock> blocks = new ArrayList<>();
        for (int i = 0; i < numResBlocks; i++) blocks.add(new WanResidualBlock(i == 0 ? in : out, out));
        this.resnets = children("resnets", blocks);
        this.downsampler = downFlag
                ? child("downsampler", new WanResample(out, temporalDownsample ? WanResample.Mode.DOWNSAMPLE_3D : WanResample.Mode.DOWNSAMPLE_2D))
                : null;
    }

    public Tensor forward(Tensor x, WanFeatureCache cache) {
        Tensor h = x;
        for (WanResidualBlock r : resnets) h = r.forward(h, cache);
        if (downsampler != null) h = downsampler.forward(h, cache);
        return h.add(avgShortcut.forward(x));
    }
}
