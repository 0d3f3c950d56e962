package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * The VAE encoder: {@code conv_in}, then per level {@code num_res_blocks} residual blocks (each followed by
 * attention at the {@code attn_scales} resolutions) and, except on the last level, a 2× downsampling (3-D where
 * {@code temperal_downsample} says so), all in one flat {@code down_blocks} list as in the checkpoint; then the
 * middle block, {@code norm_out → SiLU → conv_out}. Wan2.2's residual design ({@code is_residual}) has one
 * {@link WanResidualDownBlock} per level in {@code down_blocks} instead.
 * Shape {@code [B, in, T, H, W] → [B, 2·z, T', H/2ⁿ, W/2ⁿ]} per chunk (the first chunk of one frame gives one
 * latent frame, each later chunk of four frames one more).
 */
public final class WanEncoder3d extends Module {
    public final WanCausalConv3d convIn;
    /** {@link WanResidualBlock}, {@link WanAttentionBlock} and {@link WanResample} layers in order. */
    public final List<Module> downBlocks;
    public final WanMidBlock midBlock;
    public final WanRMSNorm normOut;
    public final WanCausalConv3d convOut;

    /** {@code outChannels} is 2·z_dim: mean and log-variance. */
    public WanEncoder3d(WanVaeConfig c, int outChannels) {
        int[] mult = c.dimMult();
        int[] dims = new int[mult.length + 1];
        dims[0] = c.baseDim();
        for (int i = 0; i < mult.length; i++) dims[i + 1] = c.baseDim() * mult[i];
        double[] attnScales = c.attnScales();
        boolean[] temporal = c.temperalDownsample();

        this.convIn = child("conv_in", new WanCausalConv3d(c.inChannels(), dims[0], 3, 1));
        List<Module> layers = new ArrayList<>();
        double scale = 1.0;
        for (int i = 0; i < mult.length; i++) {
            int in = dims[i], out = dims[i + 1];
            boolean last = i == mult.length - 1;
            if (c.isResidual()) {  // Wan2.2: one residual down block per level
                layers.add(new WanResidualDownBlock(in, out, c.numResBlocks(), !last && temporal[i], !last));
                continue;
            }
            for (int j = 0; j < c.numResBlocks(); j++) {
                layers.add(new WanResidualBlock(in, out));
                if (contains(attnScales, scale)) layers.add(new WanAttentionBlock(out));
                in = out;
            }
            if (!last) {
                layers.add(new WanResample(out, temporal[i] ? WanResample.Mode.DOWNSAMPLE_3D : WanResample.Mode.DOWNSAMPLE_2D));
                scale /= 2.0;
            }
        }
        this.downBlocks = children("down_blocks", layers);
        int top = dims[mult.length];
        this.midBlock = child("mid_block", new WanMidBlock(top));
        this.normOut = child("norm_out", new WanRMSNorm(top, false, false));
        this.convOut = child("conv_out", new WanCausalConv3d(top, outChannels, 3, 1));
    }

    /** One chunk through the encoder, reading and updating {@code cache}. */
    public Tensor forward(Tensor x, WanFeatureCache cache) {
        Backend b = x.backend();
        x = convIn.forward(x, cache);
        for (Module layer : downBlocks) {
            x = switch (layer) {
                case WanResidualBlock r -> r.forward(x, cache);
                case WanAttentionBlock a -> a.forward(x);
                case WanResample r -> r.forward(x, cache);
                case WanResidualDownBlock d -> d.forward(x, cache);
                default -> throw new IllegalStateException("unexpected encoder layer " + layer.getClass().getSimpleName());
            };
        }
        x = midBlock.forward(x, cache);
        return convOut.forward(normOut.forward(x, true), cache);
    }

    private static boolean contains(double[] values, double v) {
        for (double d : values) if (d == v) return true;
        return false;
    }
}
