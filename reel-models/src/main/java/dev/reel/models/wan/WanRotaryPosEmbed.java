package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Wan's 3-axis rotary position embedding ({@code rope}). Each head's channels are split into frame, height
 * and width parts — {@code h = w = 2·(headDim / 6)}, {@code t = headDim − h − w} — and the rotation pairs of
 * each part turn with its axis' position {@code p} by {@code p · θ^(−2j/part)}, {@code j = 0 … part/2 − 1}.
 * As in the reference, angles are computed in double for positions {@code 0 … max_seq_len − 1} and rounded
 * to float after cos/sin.
 */
public final class WanRotaryPosEmbed {
    private final int headDim;
    private final int[] patchSize;
    private final int maxSeqLen;
    /** Channel split (t, h, w); each even. */
    private final int[] axisDims;
    /** Per axis: cos/sin of position × frequency, row-major {@code [maxSeqLen, axisDim/2]}. */
    private final float[][] cos = new float[3][];
    private final float[][] sin = new float[3][];

    /** Rotation tables for one token grid: {@code cos}, {@code sin} of shape {@code [L, headDim/2]}, fp32. */
    public record Freqs(Tensor cos, Tensor sin) {}

    public WanRotaryPosEmbed(int attentionHeadDim, int[] patchSize, int maxSeqLen, double theta) {
        this.headDim = attentionHeadDim;
        this.patchSize = patchSize.clone();
        this.maxSeqLen = maxSeqLen;
        int hw = 2 * (attentionHeadDim / 6);
        this.axisDims = new int[] {attentionHeadDim - 2 * hw, hw, hw};
        for (int a = 0; a < 3; a++) {
            int d = axisDims[a], half = d / 2;
            cos[a] = new float[maxSeqLen * half];
            sin[a] = new float[maxSeqLen * half];
            for (int p = 0; p < maxSeqLen; p++) {
                for (int j = 0; j < half; j++) {
                    double freq = 1.0 / Math.pow(theta, (double) (2 * j) / d);
                    double angle = p * freq;
                    cos[a][p * half + j] = (float) Math.cos(angle);
                    sin[a][p * half + j] = (float) Math.sin(angle);
                }
            }
        }
    }

    /** The (t, h, w) split of a head's channels. */
    public int[] axisDims() { return axisDims.clone(); }

    /**
     * The tables for latents of {@code frames × height × width} (before patching); tokens run frame-major,
     * then height, then width, as the patch embedding flattens them.
     */
    public Freqs forward(int frames, int height, int width, Backend backend) {
        int[] grid = {frames / patchSize[0], height / patchSize[1], width / patchSize[2]};
        for (int a = 0; a < 3; a++) {
            if (grid[a] > maxSeqLen) {
                throw new ShapeException("rope", "axis " + "thw".charAt(a) + " has " + grid[a] + " positions after patching, more than rope_max_seq_len " + maxSeqLen);
            }
        }
        int half = headDim / 2, tokens = grid[0] * grid[1] * grid[2];
        float[] c = new float[tokens * half], s = new float[tokens * half];
        int row = 0;
        for (int f = 0; f < grid[0]; f++) {
            for (int h = 0; h < grid[1]; h++) {
                for (int w = 0; w < grid[2]; w++, row += half) {
                    int[] pos = {f, h, w};
                    int at = row;
                    for (int a = 0; a < 3; a++) {
                        int n = axisDims[a] / 2;
                        System.arraycopy(cos[a], pos[a] * n, c, at, n);
                        System.arraycopy(sin[a], pos[a] * n, s, at, n);
                        at += n;
                    }
                }
            }
        }
        return new Freqs(backend.fromFloats(c, DType.F32, tokens, half), backend.fromFloats(s, DType.F32, tokens, half));
    }
}
