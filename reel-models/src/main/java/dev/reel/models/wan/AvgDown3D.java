package dev.reel.models.wan;

import dev.reel.core.Tensor;

/**
 * The parameter-free shortcut of Wan2.2's residual down blocks (Diffusers' {@code AvgDown3D}): pixels of each
 * {@code factorT × factorS × factorS} cell are stacked into channels (front-padding time with zero frames to a
 * multiple of factorT) and averaged in groups down to {@code outChannels}.
 * Shape {@code [B, in, T, H, W] → [B, out, ⌈T/factorT⌉, H/factorS, W/factorS]}.
 */
public final class AvgDown3D {
    private final int outChannels, factorT, factorS, groupSize;

    public AvgDown3D(int inChannels, int outChannels, int factorT, int factorS) {
        int factor = factorT * factorS * factorS;
        if (inChannels * factor % outChannels != 0) {
            throw new IllegalArgumentException("AvgDown3D: in_channels·factor = " + inChannels * factor + " is not a multiple of out_channels " + outChannels);
        }
        this.outChannels = outChannels;
        this.factorT = factorT;
        this.factorS = factorS;
        this.groupSize = inChannels * factor / outChannels;
    }

    public Tensor forward(Tensor x) {
        int padT = (factorT - x.size(2) % factorT) % factorT;
        if (padT > 0) x = x.backend().pad(x, new int[] {0, 0, 0, 0, padT, 0}, 0f);  // zero frames in front
        int b = x.size(0), c = x.size(1), t = x.size(2) / factorT, h = x.size(3) / factorS, w = x.size(4) / factorS;
        // [B, C, T', ft, H', fs, W', fs] → [B, C, ft, fs, fs, T', H', W'] → [B, out, group, T', H', W'] → mean over group
        Tensor cells = x.reshape(b, c, t, factorT, h, factorS, w, factorS)
                .permute(0, 1, 3, 5, 7, 2, 4, 6)
                .reshape(b, outChannels, groupSize, t, h, w);
        return x.backend().mean(cells, 2, false);
    }
}
