package dev.reel.models.wan;

import dev.reel.core.Tensor;

/**
 * The parameter-free shortcut of Wan2.2's residual up blocks (Diffusers' {@code DupUp3D}): each channel is
 * repeated ({@code repeat_interleave}) and the copies are spread over a {@code factorT × factorS × factorS} cell.
 * Shape {@code [B, in, T, H, W] → [B, out, T·factorT, H·factorS, W·factorS]}; on the first chunk the first
 * {@code factorT − 1} frames are dropped, as the causal decoder's first chunk makes one frame.
 */
public final class DupUp3D {
    private final int outChannels, factorT, factorS, repeats;

    public DupUp3D(int inChannels, int outChannels, int factorT, int factorS) {
        int factor = factorT * factorS * factorS;
        if (outChannels * factor % inChannels != 0) {
            throw new IllegalArgumentException("DupUp3D: out_channels·factor = " + outChannels * factor + " is not a multiple of in_channels " + inChannels);
        }
        this.outChannels = outChannels;
        this.factorT = factorT;
        this.factorS = factorS;
        this.repeats = outChannels * factor / inChannels;
    }

    public Tensor forward(Tensor x, boolean firstChunk) {
        int b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
        // repeat_interleave over channels: channel i·r + k is a copy of channel i
        Tensor repeated = x.unsqueeze(2).expand(b, c, repeats, t, h, w);
        // [B, out, ft, fs, fs, T, H, W] → [B, out, T, ft, H, fs, W, fs]
        Tensor y = repeated.reshape(b, outChannels, factorT, factorS, factorS, t, h, w)
                .permute(0, 1, 5, 2, 6, 3, 7, 4)
                .reshape(b, outChannels, t * factorT, h * factorS, w * factorS);
        return firstChunk && factorT > 1 ? y.narrow(2, factorT - 1, t * factorT - (factorT - 1)) : y;
    }
}
