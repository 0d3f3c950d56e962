package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.util.Arrays;

/**
 * Matrix products and convolutions on cuBLASLt. Row-major products {@code C[M,N] = A[M,K]·B[K,N]} are issued
 * as the column-major {@code Cᵀ = Bᵀ·Aᵀ}, so every row-major or transposed view maps to cuBLAS without a copy.
 */
final class CudaLinalg {
    private final CudaDevice dev;
    private final CudaAllocator alloc;
    private final CudaElementwise ew;
    private final boolean cudnnConvolution;

    /**
     * @param cudnnConvolution whether 16-bit convolutions may run on cuDNN ({@link dev.reel.core.SystemOptions#convolution()}
     *                         {@code "auto"}); false forces im2col + cuBLASLt
     */
    CudaLinalg(CudaDevice dev, CudaAllocator alloc, CudaElementwise ew, boolean cudnnConvolution) {
        this.dev = dev;
        this.alloc = alloc;
        this.ew = ew;
        this.cudnnConvolution = cudnnConvolution;
    }

    /** Largest im2col buffer a convolution uses at once; larger problems are tiled over output positions. */
    private static final long IM2COL_BYTES = 512L << 20;

    /** One GEMM operand: a strided [rows, cols] matrix (row- or column-major) with an optional batch stride. */
    private record Mat(long ptr, boolean rowMajor, long ld, long batchStride) {}

    /** Describes the last two dims of {@code t} for cuBLAS, or returns null if they need a copy first. */
    private Mat mat(Tensor t, long batchStride) {
        int rows = t.size(-2), cols = t.size(-1);
        long sr = t.stride(-2), sc = t.stride(-1);
        if ((sc == 1 || cols == 1) && (rows == 1 || sr >= cols)) return new Mat(dev.addr(t), true, rows == 1 ? Math.max(1, cols) : sr, batchStride);
        if ((sr == 1 || rows == 1) && (cols == 1 || sc >= rows)) return new Mat(dev.addr(t), false, cols == 1 ? Math.max(1, rows) : sc, batchStride);
        return null;
    }

    /** The single stride over the collapsed batch dims [0, rank-2), or -1 if they do not collapse. */
    private static long batchStride(Tensor t) {
        int[] s = t.shape();
        long[] st = t.strides();
        long stride = -1, expect = -1;
        for (int d = s.length - 3; d >= 0; d--) {
            if (s[d] == 1) continue;
            if (stride < 0) {
                stride = st[d];
                expect = st[d] * s[d];
            } else {
                if (st[d] != expect) return -1;
                expect = st[d] * s[d];
            }
        }
        return stride < 0 ? 0 : stride;
    }

    Tensor matmul(Tensor a, Tensor b, float alpha) {
        if (a.rank() < 2 || b.rank() < 2) throw new ShapeException("matmul", "operands need at least 2 dimensions, got " + ShapeException.fmt(a.shape()) + " and " + ShapeException.fmt(b.shape()));
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        if (b.size(-2) != k) throw new ShapeException("matmul", "inner dimensions differ: " + ShapeException.fmt(a.shape()) + " × " + ShapeException.fmt(b.shape()));
        DType dt = CudaElementwise.promote(a.dtype(), b.dtype());
        if (a.dtype() != dt) a = a.to(dt);
        if (b.dtype() != dt) b = b.to(dt);
        int[] batch = CudaElementwise.broadcast("matmul", Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        int nb = batch.length;
        int[] as = Arrays.copyOf(batch, nb + 2), bs = Arrays.copyOf(batch, nb + 2), os = Arrays.copyOf(batch, nb + 2);
        as[nb] = m; as[nb + 1] = k;
        bs[nb] = k; bs[nb + 1] = n;
        os[nb] = m; os[nb + 1] = n;
        Tensor ae = a.expand(as), bexp = b.expand(bs);
        int count = Math.toIntExact(Tensor.numel(batch));
        Tensor out = alloc.empty(dt, os);
        if (out.numel() == 0) return out;
        if (k == 0) {
            ew.fill(out, 0f);
            return out;
        }
        long sa = count > 1 ? batchStride(ae) : 0, sb = count > 1 ? batchStride(bexp) : 0;
        // b shared by every batch and a's rows evenly spaced across batches: one GEMM with batch·M rows
        if (count > 1 && sb == 0 && sa > 0) {
            Mat ma = mat(ae, sa);
            if (ma != null && ma.rowMajor && sa == (long) m * ma.ld) {
                Mat mb = mat(bexp, 0);
                if (mb == null) mb = mat(bexp = bexp.contiguous(), 0);
                gemm(dt, dt, new Mat(ma.ptr, true, ma.ld, 0), mb, (long) count * m, n, k, alpha, dev.addr(out), 0, 1, 0, false);
                return out;
            }
        }
        if (count > 1 && sa <= 0) { ae = ae.contiguous(); sa = (long) m * k; }
        if (count > 1 && sb <= 0) { bexp = bexp.contiguous(); sb = (long) k * n; }
        Mat ma = mat(ae, sa), mb = mat(bexp, sb);
        if (ma == null) { ae = ae.contiguous(); ma = mat(ae, (long) m * k); }
        if (mb == null) { bexp = bexp.contiguous(); mb = mat(bexp, (long) k * n); }
        gemm(dt, dt, ma, mb, m, n, k, alpha, dev.addr(out), (long) m * n, count, 0, false);
        return out;
    }

    /**
     * Row-major {@code C[M,N] = alpha·A[M,K]·B[K,N] (+bias[N]) (GELU)} into contiguous C (row stride N, batch
     * stride sc), issued as the column-major {@code Cᵀ = Bᵀ·Aᵀ}.
     */
    private void gemm(DType ab, DType d, Mat a, Mat b, long m, long n, long k, float alpha, long c, long sc, int batch,
                      long bias, boolean gelu) {
        gemm(ab, d, a, b, m, n, k, alpha, c, n, sc, batch, bias, gelu);
    }

    private void gemm(DType ab, DType d, Mat a, Mat b, long m, long n, long k, float alpha, long c, long ldc, long sc,
                      int batch, long bias, boolean gelu) {
        // cuBLAS A := Bᵀ (n×k): a row-major B is already Bᵀ in column-major terms
        // cuBLAS B := Aᵀ (k×m): likewise for A
        dev.bind();
        dev.blas().gemm(ab, d, !b.rowMajor, !a.rowMajor, n, m, k, alpha, b.ptr, b.ld, b.batchStride, a.ptr, a.ld, a.batchStride, c, ldc, sc, batch,
                bias, d, gelu, dev.workspace(), dev.stream);
    }

    Tensor linear(Tensor x, Tensor w, Tensor bias, boolean gelu) {
        if (w.rank() != 2) throw new ShapeException("linear", "weight must be [out, in], got " + ShapeException.fmt(w.shape()));
        if (x.rank() < 1 || x.size(-1) != w.size(1)) {
            throw new ShapeException("linear", "input " + ShapeException.fmt(x.shape()) + " does not end in the weight's in-features " + w.size(1));
        }
        int k = w.size(1), n = w.size(0);
        if (bias != null && bias.numel() != n) throw new ShapeException("linear", "bias of shape " + ShapeException.fmt(bias.shape()) + " does not match " + n + " out-features");
        DType dt = CudaElementwise.promote(x.dtype(), w.dtype());
        if (x.dtype() != dt) x = x.to(dt);
        if (w.dtype() != dt) w = w.to(dt);
        long m = k == 0 ? 0 : x.numel() / k;
        int[] os = x.shape();
        os[os.length - 1] = n;
        Tensor out = alloc.empty(dt, os);
        if (out.numel() == 0) return out;
        Tensor x2 = x.isContiguous() ? x.reshape(Math.toIntExact(m), k) : x.rank() == 2 ? x : x.contiguous().reshape(Math.toIntExact(m), k);
        Mat ma = mat(x2, 0);
        if (ma == null) ma = mat(x2 = x2.contiguous(), 0);
        Tensor wt = w.transpose(0, 1);  // [K, N]
        Mat mb = mat(wt, 0);
        if (mb == null) mb = mat(wt = w.contiguous().transpose(0, 1), 0);
        Tensor bc = bias == null ? null : bias.dtype() == dt && bias.isContiguous() ? bias : bias.contiguous().to(dt);
        gemm(dt, dt, ma, mb, m, n, k, 1f, dev.addr(out), 0, 1, bc == null ? 0 : dev.addr(bc), gelu);
        if (k == 0) {
            if (bias == null) ew.fill(out, 0f);
            else ew.copyInto(out, bias);
        }
        return out;
    }

    /**
     * 3-D convolution on cuDNN's convolution engines when cuDNN is installed (fp32 only on engines that round as the
     * CPU does: no TF32, FFT or Winograd), otherwise by im2col tiled over output positions and one cuBLASLt GEMM per
     * tile.
     */
    Tensor conv3d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) {
        if (x.rank() != 5 || w.rank() != 5) {
            throw new ShapeException("conv3d", "x must be [B, Cin, T, H, W] and w [Cout, Cin, kt, kh, kw], got " + ShapeException.fmt(x.shape()) + " and " + ShapeException.fmt(w.shape()));
        }
        if (stride.length != 3 || padding.length != 3) throw new ShapeException("conv3d", "stride and padding need 3 values each");
        int b = x.size(0), cin = x.size(1), t = x.size(2), h = x.size(3), wd = x.size(4);
        int cout = w.size(0), kt = w.size(2), kh = w.size(3), kw = w.size(4);
        if (w.size(1) != cin) throw new ShapeException("conv3d", "weight expects " + w.size(1) + " input channels, x has " + cin);
        int to = (t + 2 * padding[0] - kt) / stride[0] + 1, ho = (h + 2 * padding[1] - kh) / stride[1] + 1, wo = (wd + 2 * padding[2] - kw) / stride[2] + 1;
        if (to <= 0 || ho <= 0 || wo <= 0) throw new ShapeException("conv3d", "kernel " + kt + "×" + kh + "×" + kw + " does not fit input " + ShapeException.fmt(x.shape()) + " with padding " + Arrays.toString(padding));
        DType dt = CudaElementwise.promote(x.dtype(), w.dtype());
        Tensor xc = x.dtype() == dt ? x.contiguous() : x.to(dt).contiguous();
        Tensor wc = (w.dtype() == dt ? w : w.to(dt)).contiguous();
        long kk = (long) cin * kt * kh * kw, p = (long) to * ho * wo;
        if (cudnnForward(dt) && aligned(xc, wc)) {
            Cudnn cudnn = dev.cudnn();
            Tensor y = cudnn == null ? null : cudnn.conv3d(alloc, xc, wc, stride, padding, new int[] {to, ho, wo});
            if (y != null) {
                if (bias != null) addBias(y, bias, cout);
                return y;
            }
        }
        Tensor out = alloc.empty(dt, b, cout, to, ho, wo);
        Mat mw = new Mat(dev.addr(wc), true, kk, 0);  // [Cout, K]
        boolean pointwise = kt == 1 && kh == 1 && kw == 1 && Arrays.equals(stride, new int[] {1, 1, 1}) && Arrays.equals(padding, new int[] {0, 0, 0});
        long xPer = (long) cin * t * h * wd;
        if (pointwise) {
            // out_b[Cout, P] = W[Cout, Cin] · x_b[Cin, P]
            for (int i = 0; i < b; i++) {
                Mat mx = new Mat(dev.addr(xc) + i * xPer * dt.byteSize(), true, p, 0);
                gemm(dt, dt, mw, mx, cout, p, kk, 1f, dev.addr(out) + (long) i * cout * p * dt.byteSize(), p, 0, 1, 0, false);
            }
        } else {
            long tile = Math.max(1, Math.min(p, IM2COL_BYTES / (kk * dt.byteSize())));
            Tensor col = alloc.empty(dt, Math.toIntExact(kk * tile));
            try {
                for (int i = 0; i < b; i++) {
                    for (long p0 = 0; p0 < p; p0 += tile) {
                        long np = Math.min(tile, p - p0);
                        try (KernelArgs a = new KernelArgs()) {
                            a.ptr(dev.addr(xc) + i * xPer * dt.byteSize()).dtype(dt).ptr(dev.addr(col)).dtype(dt);
                            a.i32(cin).i32(t).i32(h).i32(wd).i32(kt).i32(kh).i32(kw).i32(stride[0]).i32(stride[1]).i32(stride[2]);
                            a.i32(padding[0]).i32(padding[1]).i32(padding[2]).i32(to).i32(ho).i32(wo).i64(p0).i64(np);
                            long total = kk * np;
                            dev.launch("misc.cu", "im2col3d", dev.grid(total), CudaDevice.BLOCK, 0, a);
                        }
                        // out_b[:, p0:p0+np] (row stride P) = W[Cout, K] · col[K, np]
                        Mat mc = new Mat(dev.addr(col), true, np, 0);
                        long c = dev.addr(out) + ((long) i * cout * p + p0) * dt.byteSize();
                        gemm(dt, dt, mw, mc, cout, np, kk, 1f, c, p, 0, 1, 0, false);
                    }
                }
            } finally {
                col.free();
            }
        }
        if (bias != null) addBias(out, bias, cout);
        return out;
    }

    /**
     * The input's gradient of a 16-bit convolution on cuDNN's backward-data engines, or null where cuDNN is absent,
     * off, the dtype is fp32 (kept exact by the composed path) or it has no engine for the problem.
     */
    Tensor conv3dBackwardData(Tensor dy, Tensor w, int[] xShape, int[] stride, int[] padding) {
        DType dt = dy.dtype();
        Cudnn cudnn = sixteenBit(dt) ? dev.cudnn() : null;
        if (cudnn == null) return null;
        Tensor g = dy.contiguous(), wc = (w.dtype() == dt ? w : w.to(dt)).contiguous();
        return aligned(g, wc) ? cudnn.conv3dBackwardData(alloc, g, wc, xShape, stride, padding) : null;
    }

    /** The weight's gradient of a 16-bit convolution on cuDNN's backward-filter engines, or null as above. */
    Tensor conv3dBackwardFilter(Tensor x, Tensor dy, int[] wShape, int[] stride, int[] padding) {
        DType dt = x.dtype();
        Cudnn cudnn = sixteenBit(dt) ? dev.cudnn() : null;
        if (cudnn == null) return null;
        Tensor xc = x.contiguous(), g = (dy.dtype() == dt ? dy : dy.to(dt)).contiguous();
        return aligned(xc, g) ? cudnn.conv3dBackwardFilter(alloc, xc, g, wShape, stride, padding) : null;
    }

    /** Whether a backward convolution of {@code dt} may run on cuDNN: 16-bit only (fp32's backward stays on im2col). */
    private boolean sixteenBit(DType dt) { return cudnnConvolution && (dt == DType.BF16 || dt == DType.F16); }

    /** Whether a forward convolution of {@code dt} may run on cuDNN: 16-bit, and fp32 on its exact engines. */
    private boolean cudnnForward(DType dt) { return sixteenBit(dt) || cudnnConvolution && dt == DType.F32; }

    private boolean aligned(Tensor a, Tensor b) { return (dev.addr(a) & 15) == 0 && (dev.addr(b) & 15) == 0; }

    /** 2-D convolution as a 3-D one over a unit time axis. */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) {
        if (x.rank() != 4 || w.rank() != 4) throw new ShapeException("conv2d", "x must be [B, C, H, W] and w [Cout, Cin, kh, kw], got " + ShapeException.fmt(x.shape()) + " and " + ShapeException.fmt(w.shape()));
        Tensor y = conv3d(x.unsqueeze(2), w.unsqueeze(2), bias, new int[] {1, stride[0], stride[1]}, new int[] {0, padding[0], padding[1]});
        return y.squeeze(2);
    }

    private void addBias(Tensor out, Tensor bias, int cout) {
        if (bias.numel() != cout) throw new ShapeException("conv3d", "bias of shape " + ShapeException.fmt(bias.shape()) + " does not match " + cout + " output channels");
        ew.addInPlace(out, bias.reshape(1, cout, 1, 1, 1));
    }
}
