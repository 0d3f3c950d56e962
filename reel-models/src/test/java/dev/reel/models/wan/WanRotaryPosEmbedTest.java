package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reel.core.Backends;
import dev.reel.core.ShapeException;
import org.junit.jupiter.api.Test;

class WanRotaryPosEmbedTest {

    @Test
    void splitsHeadChannelsAsTheReference() {
        assertArrayEquals(new int[] {44, 42, 42}, new WanRotaryPosEmbed(128, new int[] {1, 2, 2}, 8, 10000).axisDims());
        assertArrayEquals(new int[] {4, 4, 4}, new WanRotaryPosEmbed(12, new int[] {1, 2, 2}, 8, 10000).axisDims());
        assertArrayEquals(new int[] {24, 20, 20}, new WanRotaryPosEmbed(64, new int[] {1, 2, 2}, 8, 10000).axisDims());
    }

    /**
     * Float64 reference written the reference's way: per axis the repeat-interleaved [S, d] cos/sin tables,
     * concatenated along channels after broadcasting over the (f, h, w) grid; the rotation uses the even
     * channels of each table.
     */
    @Test
    void tablesMatchAFloat64Reference() {
        int headDim = 128, maxSeq = 32;
        int[] patch = {1, 2, 2};
        int frames = 5, height = 6, width = 10;   // grid 5 × 3 × 5
        var rope = new WanRotaryPosEmbed(headDim, patch, maxSeq, 10000);
        var freqs = rope.forward(frames, height, width, Backends.cpu());
        int pf = 5, ph = 3, pw = 5, tokens = pf * ph * pw;
        assertArrayEquals(new int[] {tokens, headDim / 2}, freqs.cos().shape());
        float[] cos = freqs.cos().toFloatArray(), sin = freqs.sin().toFloatArray();

        int[] dims = {44, 42, 42};
        double maxErr = 0;
        for (int f = 0; f < pf; f++) for (int h = 0; h < ph; h++) for (int w = 0; w < pw; w++) {
            int token = (f * ph + h) * pw + w;
            int[] pos = {f, h, w};
            // full interleaved row [headDim]: for each axis, for j, (cos(p·ω_j), cos(p·ω_j))
            double[] fullCos = new double[headDim], fullSin = new double[headDim];
            int c = 0;
            for (int a = 0; a < 3; a++) {
                for (int k = 0; k < dims[a]; k += 2) {
                    double omega = 1.0 / Math.pow(10000.0, (double) k / dims[a]);
                    double ang = pos[a] * omega;
                    fullCos[c] = fullCos[c + 1] = Math.cos(ang);
                    fullSin[c] = fullSin[c + 1] = Math.sin(ang);
                    c += 2;
                }
            }
            for (int i = 0; i < headDim / 2; i++) {
                maxErr = Math.max(maxErr, Math.abs(cos[token * headDim / 2 + i] - fullCos[2 * i]));
                maxErr = Math.max(maxErr, Math.abs(sin[token * headDim / 2 + i] - fullSin[2 * i]));
            }
        }
        assertEquals(0, maxErr, 1e-7);
    }

    @Test
    void rejectsGridsLongerThanTheTables() {
        var rope = new WanRotaryPosEmbed(12, new int[] {1, 2, 2}, 4, 10000);
        assertThrows(ShapeException.class, () -> rope.forward(5, 2, 2, Backends.cpu()));
        rope.forward(4, 8, 8, Backends.cpu());
    }
}
