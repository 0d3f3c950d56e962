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
        x = resnets.get(0).forward(x, cache);
        for (int i = 0; i < attentions.size(); i++) {
            x = attentions.get(i).forward(x);
            x = resnets.get(i + 1).forward(x, cache);
        }
        return x;
    }
}
