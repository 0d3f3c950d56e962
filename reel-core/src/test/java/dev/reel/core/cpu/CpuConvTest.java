package dev.reel.core.cpu;

import static dev.reel.core.cpu.Ref.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import org.junit.jupiter.api.Test;

class CpuConvTest {

    /** Naive float64 3-D convolution with zero padding. */
    static double[] refConv3d(Tensor x, Tensor w, Tensor bias, int[] st, int[] pd, int[] outShape) {
        double[] xv = Ref.values(x), wv = Ref.values(w), bv = bias == null ? null : Ref.values(bias);
        int b = x.size(0), ci = x.size(1), t = x.size(2), h = x.size(3), wd = x.size(4);
        int co = w.size(0), kt = w.size(2), kh = w.size(3), kw = w.size(4);
        int to = outShape[2], ho = outShape[3], wo = outShape[4];
        double[] out = new double[b * co * to * ho * wo];
        int q = 0;
        for (int n = 0; n < b; n++)
            for (int o = 0; o < co; o++)
                for (int z = 0; z < to; z++)
                    for (int y = 0; y < ho; y++)
                        for (int xx = 0; xx < wo; xx++) {
                            double s = bv == null ? 0 : bv[o];
                            for (int c = 0; c < ci; c++)
                                for (int a = 0; a < kt; a++)
                                    for (int e = 0; e < kh; e++)
                                        for (int f = 0; f < kw; f++) {
                                            int iz = z * st[0] - pd[0] + a, iy = y * st[1] - pd[1] + e, ix = xx * st[2] - pd[2] + f;
                                            if (iz < 0 || iz >= t || iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                            s += xv[(((n * ci + c) * t + iz) * h + iy) * wd + ix] * wv[(((o * ci + c) * kt + a) * kh + e) * kw + f];
                                        }
                            out[q++] = s;
                        }
        return out;
    }

    @Test void conv3dStridedPadded() {
        Tensor x = Ref.rand(1, 2, 3, 5, 9, 8), w = Ref.rand(2, 4, 3, 3, 3, 3), b = Ref.rand(3, 4);
        int[] st = {1, 2, 2}, pd = {1, 1, 1};
        Tensor y = CPU.conv3d(x, w, b, st, pd);
        assertArrayEquals(new int[] {2, 4, 5, 5, 4}, y.shape());
        Ref.assertClose(refConv3d(x, w, b, st, pd, y.shape()), y, 1e-6);
    }

    @Test void conv3dCausalStyleAndPointwise() {
        // (3,1,1) temporal kernel without padding, and 1×1×1 channel mixing, on a permuted (non-contiguous) input
        Tensor x = Ref.rand(4, 1, 6, 2, 5, 4).permute(0, 2, 1, 3, 4); // [1, 2, 6, 5, 4]
        Tensor w = Ref.rand(5, 3, 2, 3, 1, 1);
        Tensor y = CPU.conv3d(x, w, null, new int[] {1, 1, 1}, new int[] {0, 0, 0});
        assertArrayEquals(new int[] {1, 3, 4, 5, 4}, y.shape());
        Ref.assertClose(refConv3d(x, w, null, new int[] {1, 1, 1}, new int[] {0, 0, 0}, y.shape()), y, 1e-6);
        Tensor w1 = Ref.rand(6, 7, 2, 1, 1, 1), b1 = Ref.rand(7, 7);
        Tensor y1 = CPU.conv3d(x, w1, b1, new int[] {1, 1, 1}, new int[] {0, 0, 0});
        Ref.assertClose(refConv3d(x, w1, b1, new int[] {1, 1, 1}, new int[] {0, 0, 0}, y1.shape()), y1, 1e-6);
    }

    @Test void conv3dOverSeveralUnrolledBlocks() {
        // 16·27 = 432 unrolled rows × 10800 positions exceeds one im2col block, so blocks must stitch up
        Tensor x = Ref.rand(11, 1, 16, 3, 60, 60), w = Ref.rand(12, 2, 16, 3, 3, 3);
        int[] st = {1, 1, 1}, pd = {1, 1, 1};
        Tensor y = CPU.conv3d(x, w, null, st, pd);
        assertArrayEquals(new int[] {1, 2, 3, 60, 60}, y.shape());
        Ref.assertClose(refConv3d(x, w, null, st, pd, y.shape()), y, 1e-6);
    }

    @Test void conv2dMatchesConv3dWithUnitTime() {
        Tensor x = Ref.rand(8, 2, 3, 11, 10), w = Ref.rand(9, 5, 3, 3, 3), b = Ref.rand(10, 5);
        Tensor y = CPU.conv2d(x, w, b, new int[] {2, 1}, new int[] {1, 2});
        assertArrayEquals(new int[] {2, 5, 6, 12}, y.shape());
        double[] ref = refConv3d(x.unsqueeze(2), w.unsqueeze(2), b, new int[] {1, 2, 1}, new int[] {0, 1, 2}, new int[] {2, 5, 1, 6, 12});
        Ref.assertClose(ref, y, 1e-6);
    }

    @Test void convRejectsBadShapes() {
        ShapeException e = assertThrows(ShapeException.class,
                () -> CPU.conv3d(Ref.rand(1, 1, 3, 4, 4, 4), Ref.rand(2, 2, 2, 3, 3, 3), null, new int[] {1, 1, 1}, new int[] {1, 1, 1}));
        assertTrue(e.getMessage().contains("conv3d") && e.getMessage().contains("channels"), e.getMessage());
        assertThrows(ShapeException.class, () -> CPU.conv2d(Ref.rand(1, 1, 2, 4, 4), Ref.rand(2, 2, 2, 3, 3), null, new int[] {1}, new int[] {0, 0}));
    }
}
