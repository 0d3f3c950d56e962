package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Scaled dot-product attention. Without a bias, bf16/f16 operands run cuDNN's fused flash attention when
 * cuDNN 9 is installed ({@link Cudnn}), else Reel's flash kernel ({@code attention.cu}, head dim 64 or
 * 128); both read q/k/v through their strides, so {@code [B, L, H, D]} projections transposed to
 * {@code [B, H, L, D]} need no copy. Everything else takes the exact path: scores by cuBLASLt,
 * bias added, fp32-statistics softmax, then the product with v, in query chunks that bound the scores' memory.
 */
final class CudaAttention {
    private CudaAttention() {}

    private static final int BM = 128;
    /** Largest score matrix the exact path materialises at once. */
    private static final long SCORE_BYTES = 1L << 30;

    static Tensor attention(CudaBackend be, Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw new ShapeException("attention", "q, k, v must be [B, H, L, D], got " + ShapeException.fmt(q.shape()) + ", " + ShapeException.fmt(k.shape()) + ", " + ShapeException.fmt(v.shape()));
        }
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2), dv = v.size(3);
        if (k.size(0) != b || v.size(0) != b || k.size(1) != h || v.size(1) != h || k.size(3) != d || v.size(2) != lk) {
            throw new ShapeException("attention", "q " + ShapeException.fmt(q.shape()) + ", k " + ShapeException.fmt(k.shape()) + ", v " + ShapeException.fmt(v.shape())
                    + " disagree (need k [B, H, Lk, D] and v [B, H, Lk, Dv])");
        }
        if (bias == null && lq > 0 && lk > 0) {
            if (be.attentionEngine() == CudaBackend.AttentionEngine.CUDNN && Cudnn.supports(be, q, k, v)) {
                Cudnn cudnn = be.cudnn();
                Tensor out = cudnn == null ? null : cudnn.attention(q, k, v, scale);
                if (out != null) return out;
            }
            if (flashable(be, q, k, v, d, dv)) return flash(be, q, k, v, scale);
        }
        return exact(be, q, k, v, bias, scale);
    }

    private static boolean flashable(CudaBackend be, Tensor q, Tensor k, Tensor v, int d, int dv) {
        DType t = q.dtype();
        if ((t != DType.BF16 && t != DType.F16) || k.dtype() != t || v.dtype() != t) return false;
        if (d != dv || (d != 64 && d != 128)) return false;
        if (q.size(2) == 0 || k.size(2) == 0) return false;
        for (Tensor x : new Tensor[] {q, k, v}) {
            if (x.stride(3) != 1) return false;
            if ((be.addr(x) & 15) != 0) return false;
            for (int i = 0; i < 3; i++) if ((x.stride(i) * 2) % 16 != 0 && x.size(i) > 1) return false;
        }
        return true;
    }

    private static Tensor flash(CudaBackend be, Tensor q, Tensor k, Tensor v, float scale) {
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2);
        Tensor out = be.empty(q.dtype(), b, h, lq, d);
        String kernel = "flash_fwd_" + (q.dtype() == DType.BF16 ? "bf16" : "f16") + "_d" + d;
        int smem = (BM + 4 * 64) * d * 2;
        if (smem > 48 * 1024) be.allowSharedMemory("attention.cu", kernel, smem);
        try (KernelArgs a = new KernelArgs()) {
            a.ptr(be.addr(q)).ptr(be.addr(k)).ptr(be.addr(v)).ptr(be.addr(out));
            a.i64(q.stride(0)).i64(q.stride(1)).i64(q.stride(2));
            a.i64(k.stride(0)).i64(k.stride(1)).i64(k.stride(2));
            a.i64(v.stride(0)).i64(v.stride(1)).i64(v.stride(2));
            a.i32(h).i32(lq).i32(lk).f32((float) (scale * 1.4426950408889634));
            be.launch("attention.cu", kernel, (lq + BM - 1) / BM, h, b, 256, smem, a);
        }
        return out;
    }

    private static Tensor exact(CudaBackend be, Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        int b = q.size(0), h = q.size(1), lq = q.size(2), lk = k.size(2), dv = v.size(3);
        DType dt = CudaBackend.promote(CudaBackend.promote(q.dtype(), k.dtype()), v.dtype());
        Tensor out = be.empty(dt, b, h, lq, dv);
        if (out.numel() == 0) return out;
        Tensor kt = k.transpose(2, 3);
        long perRow = (long) b * h * lk * 4;
        int chunk = (int) Math.max(1, Math.min(lq, SCORE_BYTES / Math.max(1, perRow)));
        for (int q0 = 0; q0 < lq; q0 += chunk) {
            int n = Math.min(chunk, lq - q0);
            Tensor qs = q.narrow(2, q0, n);
            Tensor s = CudaLinalg.matmul(be, qs, kt, scale);  // [B, H, n, Lk], scaled in the GEMM
            if (s.dtype() != DType.F32) {
                Tensor f = s.to(DType.F32);
                s.free();
                s = f;
            }
            if (bias != null) be.addInPlace(s, bias.expand(b, h, lq, lk).narrow(2, q0, n));
            be.softmaxInto(s, s);
            Tensor p = s.dtype() == v.dtype() ? s : s.to(v.dtype());
            Tensor o = CudaLinalg.matmul(be, p, v, 1f);
            be.copyInto(out.narrow(2, q0, n), o);
            o.free();
            if (p != s) p.free();
            s.free();
        }
        return out;
    }
}
