package dev.reel.models.wan;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import java.util.List;

/**
 * The VAE's middle block at the lowest resolution: {@code resnets.0 → attentions.0 → resnets.1}.
 * Shape {@code [B, C, T, H, W]} is kept.
 */
public final class WanMidBlock extends Module {
    public final List<WanResidualBlock> resnets;
    public final List<WanAttentionBlock> attentions;

    public WanMidBlock(int dim) {
        this.resnets = children("resnets", List.of(new WanResidualBlock(dim, dim), new WanResidualBlock(dim, dim)));
        this.attentions = children("attentions", List.of(new WanAttentionBlock(dim)));
    }

    public Tensor forward(Tensor x, WanFeatureCache cache) {
        Tensor h = resnets.get(0).forward(x, cache);
        for (int i = 0; i < attentions.size(); i++) {
            h = BlockChain.advance(h, attentions.get(i).forward(h), x);
            h = BlockChain.advance(h, resnets.get(i + 1).forward(h, cache), x);
        }
        return h;
    }
}
