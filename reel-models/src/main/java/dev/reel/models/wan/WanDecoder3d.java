package dev.reel.models.wan;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * The VAE decoder: {@code conv_in}, the middle block, one {@link WanUpBlock} per level from the deepest
 * (each but the last upsampling 2× in space, and in time where the encoder downsampled it), then
 * {@code norm_out → SiLU → conv_out}. Upsampling halves the channels, so levels after the first take half
 * their nominal input width (Wan2.1's layout); Wan2.2's residual design has {@link WanResidualUpBlock}s whose
 * upsamplers keep the channels.
 * Shape per chunk of one latent frame: {@code [B, z, 1, h, w] → [B, out, 1 (first chunk) or 4, 8h, 8w]} for
 * the published configuration.
 */
public final class WanDecoder3d extends Module {
    public final WanCausalConv3d convIn;
    public final WanMidBlock midBlock;
    /** {@link WanUpBlock}s (Wan2.1) or {@link WanResidualUpBlock}s (Wan2.2), deepest first. */
    public final List<Module> upBlocks;
    public final WanRMSNorm normOut;
    public final WanCausalConv3d convOut;

    public WanDecoder3d(WanVaeConfig c) {
        int[] mult = c.dimMult();
        int n = mult.length;
        int[] dims = new int[n + 1]; // deepest first: [mult[-1], mult[-1], …, mult[0]] · base
        dims[0] = c.decoderBaseDim() * mult[n - 1];
        for (int i = 0; i < n; i++) dims[i + 1] = c.decoderBaseDim() * mult[n - 1 - i];
        boolean[] temporal = c.temperalUpsample();

        this.convIn = child("conv_in", new WanCausalConv3d(c.zDim(), dims[0], 3, 1));
        this.midBlock = child("mid_block", new WanMidBlock(dims[0]));
        List<Module> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean up = i != n - 1;
            if (c.isResidual()) {  // Wan2.2: upsamplers keep their channels
                blocks.add(new WanResidualUpBlock(dims[i], dims[i + 1], c.numResBlocks(), up && temporal[i], up));
                continue;
            }
            int in = i == 0 ? dims[0] : dims[i] / 2; // the previous level's upsampler halved its channels
            WanResample.Mode mode = i == n - 1 ? null
                    : temporal[i] ? WanResample.Mode.UPSAMPLE_3D : WanResample.Mode.UPSAMPLE_2D;
            blocks.add(new WanUpBlock(in, dims[i + 1], c.numResBlocks(), mode));
        }
        this.upBlocks = children("up_blocks", blocks);
        this.normOut = child("norm_out", new WanRMSNorm(dims[n], false, false));
        this.convOut = child("conv_out", new WanCausalConv3d(dims[n], c.outChannels(), 3, 1));
    }

    /**
     * One chunk (one latent frame) through the decoder, reading and updating {@code cache}; {@code firstChunk} is
     * the decode's first latent frame (Wan2.2's shortcuts then make one frame).
     */
    public Tensor forward(Tensor x, WanFeatureCache cache, boolean firstChunk) {
        Tensor in = x;
        x = convIn.forward(x, cache);
        x = BlockChain.advance(x, midBlock.forward(x, cache), in);
        for (Module up : upBlocks) {
            Tensor h = x;
            x = BlockChain.advance(h, switch (up) {
                case WanUpBlock u -> u.forward(h, cache);
                case WanResidualUpBlock u -> u.forward(h, cache, firstChunk);
                default -> throw new IllegalStateException("unexpected decoder level " + up.getClass().getSimpleName());
            }, in);
        }
        return WanResidualBlock.half(normOut, convOut, x, cache);   // the head: norm, SiLU, conv, as a block's half
    }
}
