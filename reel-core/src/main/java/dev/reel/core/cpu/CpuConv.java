package dev.reel.core.cpu;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.util.Arrays;

/**
 * 3-D (and, as its T = 1 case, 2-D) convolution as implicit im2col + GEMM: for a block of output positions the
 * receptive fields are unrolled into a {@code [Cin·kt·kh·kw, positions]} buffer (zeros where padding lies) and
 * multiplied by the weight viewed as {@code [Cout, Cin·kt·kh·kw]}. Blocks keep the buffer near 16 MiB.
 */
final class CpuConv {
    private CpuConv() {}

    private static final int COL_BUDGET = 4 << 20; // floats per unrolled block

    static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) {
        check("conv2d", x, w, stride, padding, 2);
        Tensor y = conv("conv2d", x.unsqueeze(2), w.unsqueeze(2), bias, new int[] {1, stride[0], stride[1]}, new int[] {0, padding[0], padding[1]});
        return y.squeeze(2);
    }

    static Tensor conv3d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) {
        check("conv3d", x, w, stride, padding, 3);
        return conv("conv3d", x, w, bias, stride, padding);
    }

    private static boolean pointwise(int ck, int cin, int[] st, int[] pd) {
        return ck == cin && st[0] == 1 && st[1] == 1 && st[2] == 1 && pd[0] == 0 && pd[1] == 0 && pd[2] == 0;
    }

    private static void check(String op, Tensor x, Tensor w, int[] stride, int[] padding, int dims) {
        if (x.rank() != dims + 2) throw new ShapeException(op, "input must be [B, Cin" + (dims == 3 ? ", T" : "") + ", H, W], got " + ShapeException.fmt(x.shape()));
        if (w.rank() != dims + 2) throw new ShapeException(op, "weight must be [Cout, Cin" + (dims == 3 ? ", kt" : "") + ", kh, kw], got " + ShapeException.fmt(w.shape()));
        if (stride == null || stride.length != dims || padding == null || padding.length != dims)
            throw new ShapeException(op, "stride " + Arrays.toString(stride) + " and padding " + Arrays.toString(padding) + " must each have " + dims + " values");
        for (int i = 0; i < dims; i++) {
            if (stride[i] < 1) throw new ShapeException(op, "stride " + Arrays.toString(stride) + " must be >= 1");
            if (padding[i] < 0) throw new ShapeException(op, "padding " + Arrays.toString(padding) + " must be >= 0");
        }
        if (x.size(1) != w.size(1))
            throw new ShapeException(op, "input " + ShapeException.fmt(x.shape()) + " has " + x.size(1) + " channels but weight " + ShapeException.fmt(w.shape()) + " expects " + w.size(1));
    }

    /**
     * One im2col row: input channel / kernel offset {@code r = ((c·kt + dt)·kh + dy)·kw + dx} sampled at output
     * positions [p0, p0+pn), written to {@code col[dst..]}. Walks output lines so the inner loop is a strided
     * copy with zero borders.
     */
    private static void unroll(int r, float[] xa, int xBase, int t, int h, int wd, int kt, int kh, int kw, int to, int ho, int wo,
                               int[] st, int[] pd, int p0, int pn, float[] col, int dst) {
        int dx = r % kw, dy = (r / kw) % kh, dt = (r / (kw * kh)) % kt, c = r / (kw * kh * kt);
        int q = 0, p = p0;
        while (q < pn) {
            int ox = p % wo, oy = (p / wo) % ho, ot = p / (wo * ho);
            int run = Math.min(wo - ox, pn - q);
            int it = ot * st[0] - pd[0] + dt, iy = oy * st[1] - pd[1] + dy;
            int d = dst + q;
            if (it < 0 || it >= t || iy < 0 || iy >= h) {
                java.util.Arrays.fill(col, d, d + run, 0f);
            } else {
                int line = xBase + ((c * t + it) * h + iy) * wd;
                int sx = st[2], ix0 = ox * sx - pd[2] + dx;
                // outputs k with 0 <= ix0 + k·sx < wd read the input; the rest are padding
                int kLo = ix0 >= 0 ? 0 : Math.min(run, (-ix0 + sx - 1) / sx);
                int kHi = ix0 >= wd ? 0 : Math.min(run, (wd - ix0 + sx - 1) / sx);
                if (kHi < kLo) kHi = kLo;
                java.util.Arrays.fill(col, d, d + kLo, 0f);
                if (sx == 1) System.arraycopy(xa, line + ix0 + kLo, col, d + kLo, kHi - kLo);
                else for (int k = kLo; k < kHi; k++) col[d + k] = xa[line + ix0 + k * sx];
                java.util.Arrays.fill(col, d + kHi, d + run, 0f);
            }
            q += run;
            p += run;
        }
    }

    private static Tensor conv(String op, Tensor x, Tensor w, Tensor bias, int[] st, int[] pd) {
        int b = x.size(0), cin = x.size(1), t = x.size(2), h = x.size(3), wd = x.size(4);
        int cout = w.size(0), kt = w.size(2), kh = w.size(3), kw = w.size(4);
        int to = (t + 2 * pd[0] - kt) / st[0] + 1, ho = (h + 2 * pd[1] - kh) / st[1] + 1, wo = (wd + 2 * pd[2] - kw) / st[2] + 1;
        if (t + 2 * pd[0] < kt || h + 2 * pd[1] < kh || wd + 2 * pd[2] < kw)
            throw new ShapeException(op, "kernel " + ShapeException.fmt(w.shape()) + " is larger than the padded input " + ShapeException.fmt(x.shape()) + " (padding " + Arrays.toString(pd) + ")");
        if (bias != null && (bias.rank() != 1 || bias.size(0) != cout))
            throw new ShapeException(op, "bias " + ShapeException.fmt(bias.shape()) + " must be [" + cout + "]");
        Dense xd = Dense.of(op, x), wdn = Dense.of(op, w);
        Dense bd = bias == null ? null : Dense.of(op, bias);
        int ck = cin * kt * kh * kw;
        int positions = to * ho * wo;
        int inSize = cin * t * h * wd;
        float[] out = new float[b * cout * positions];
        int block = Math.max(1, Math.min(positions, COL_BUDGET / Math.max(1, ck)));
        float[] col = pointwise(ck, cin, st, pd) ? null : new float[ck * block];
        float[] xa = xd.a();
        boolean pointwise = col == null;
        for (int n = 0; n < b; n++) {
            int xBase = xd.off() + n * inSize;
            int oBase = n * cout * positions;
            if (pointwise) {
                // a 1×1×1 kernel: the input itself is the [Cin, positions] operand
                CpuGemm.sgemm(cout, positions, cin, wdn.a(), wdn.off(), ck, 1, xa, xBase, positions, 1, out, oBase, positions);
            } else {
                for (int p0 = 0; p0 < positions; p0 += block) {
                    int pn = Math.min(block, positions - p0);
                    int pStart = p0;
                    WorkerPool.parallelFor(ck, Math.max(1, 4096 / pn), (r0, r1) -> {
                        for (int r = r0; r < r1; r++) unroll(r, xa, xBase, t, h, wd, kt, kh, kw, to, ho, wo, st, pd, pStart, pn, col, r * pn);
                    });
                    CpuGemm.sgemm(cout, pn, ck, wdn.a(), wdn.off(), ck, 1, col, 0, pn, 1, out, oBase + p0, positions);
                }
            }
            if (bd != null) {
                WorkerPool.parallelFor(cout, Math.max(1, 16384 / Math.max(1, positions)), (c0, c1) -> {
                    for (int c = c0; c < c1; c++) {
                        float bv = bd.a()[bd.off() + c];
                        int o = oBase + c * positions;
                        for (int p = 0; p < positions; p++) out[o + p] += bv;
                    }
                });
            }
        }
        return Dense.tensor(out, b, cout, to, ho, wo);
    }
}
