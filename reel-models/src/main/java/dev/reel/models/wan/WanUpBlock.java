package dev.reel.models.wan;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * One decoder level: {@code numResBlocks + 1} residual blocks ({@code in → out} channels, then {@code out →
 * out}), then an optional {@code upsamplers.0} that doubles H and W (and T for 3-D) and halves the channels.
 */
public final class WanUpBlock extends Module {
    public final List<WanResidualBlock> resnets;
    /** Null on the last level. */
    public final WanResample upsampler;

    /** {@code upsample} is null for no upsampling. */
    public WanUpBlock(int in, int out, int numResBlocks, WanResample.Mode upsample) {
        List<WanResidualBlock> blocks = new ArrayList<>();
        for (int i = 0; i <= numResBlocks; i++) blocks.add(new WanResidualBlock(i == 0 ? in : out, out));
        this.resnets = children("resnets", blocks);
        this.upsampler = upsample == null ? null : child("upsamplers.0", new WanResample(out, upsample));
    }

    /** {@code [B, in, T, H, W] → [B, out (/2 if upsampling), T', H', W']}. */
    public Tensor forward(Tensor x, WanFeatureCache cache) {
        Tensor h = x;
        for (WanResidualBlock r : resnets) h = BlockChain.advance(h, r.forward(h, cache), x);
        return upsampler == null ? h : BlockChain.advance(h, upsampler.forward(h, cache), x);
    }
}
