package dev.reel.cuda;

import dev.reel.core.AttentionBackend;
import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Scaled dot-product attention. Without a bias, bf16/f16 operands run the kernel {@link AttentionSelector} chose
 * once for the backend: cuDNN's fused flash attention ({@link CudnnAttention}, {@code sdpa}) or Reel's flash kernel
 * ({@code attention.cu}, head dim 64 or 128, {@code flash}); a problem cuDNN declines falls to the flash kernel.
 * Both read q/k/v through their strides, so {@code [B, L, H, D]} projections transposed to
 * {@code [B, H, L, D]} need no copy. Everything else takes the exact path: scores by cuBLASLt,
 * bias added, fp32-statistics softmax, then the product with v, in query chunks that bound the scores' memory.
 */
final class CudaAttention {
    private final CudaDevice dev;
    private final CudaAllocator alloc;
    private final CudaElementwise ew;
    private final CudaNorm norm;
    private final CudaLinalg linalg;
    private final AttentionBackend requested;
    private volatile AttentionBackend selected;

    /** @param requested the system options' choice, resolved on first use by {@link AttentionSelector} */
    CudaAttention(CudaDevice dev, CudaAllocator alloc, CudaElementwise ew, CudaNorm norm, CudaLinalg linalg, AttentionBackend requested) {
        this.dev = dev;
        this.alloc = alloc;
        this.ew = ew;
        this.norm = norm;
        this.linalg = linalg;
        this.requested = requested;
    }

    /** The kernel for unbiased bf16/fp16 attention: {@code SDPA} (cuDNN) or {@code FLASH}, chosen once. */
    AttentionBackend selected() {
        AttentionBackend s = selected;
        if (s == null) {
            synchronized (this) {
                if (selected == null) selected = AttentionSelector.select(requested, AttentionSelector.Capabilities.of(dev));
                s = selected;
            }
        }
        return s;
    }

    private static final int BM = 128;
    /** Largest score matrix the exact path materialises at once. */
    private static final long SCORE_BYTES = 1L << 30;

    Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw new ShapeException("attention", "q, k, v must be [B, H, L, D], got " + ShapeException.fmt(q.shape()) + ", " + ShapeException.fmt(k.shape()) + ", " + ShapeException.fmt(v.shape()));
        }
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2), dv = v.size(3);
        if (k.size(0) != b || v.size(0) != b || k.size(1) != h || v.size(1) != h || k.size(3) != d || v.size(2) != lk) {
            throw new ShapeException("attention", "q " + ShapeException.fmt(q.shape()) + ", k " + ShapeException.fmt(k.shape()) + ", v " + ShapeException.fmt(v.shape())
                    + " disagree (need k [B, H, Lk, D] and v [B, H, Lk, Dv])");
        }
        if (bias == null && lq > 0 && lk > 0) {
            if (selected() == AttentionBackend.SDPA && CudnnAttention.supports(dev, q, k, v)) {
                Cudnn cudnn = dev.cudnn();
                Tensor out = cudnn == null ? null : cudnn.attention().forward(alloc, q, k, v, scale);
                if (out != null) return out;
            }
            if (flashable(q, k, v, d, dv)) return flash(q, k, v, scale);
        }
        return exact(q, k, v, bias, scale);
    }

    private boolean flashable(Tensor q, Tensor k, Tensor v, int d, int dv) {
        if (dev.computeCapability() < AttentionSelector.FLASH_MIN_CC) return false;
        DType t = q.dtype();
        if ((t != DType.BF16 && t != DType.F16) || k.dtype() != t || v.dtype() != t) return false;
        if (d != dv || (d != 64 && d != 128)) return false;
        if (q.size(2) == 0 || k.size(2) == 0) return false;
        return flashLayout(dev, q) && flashLayout(dev, k) && flashLayout(dev, v);
    }

    /**
     * The layout Reel's flash kernels (forward and backward) read a 16-bit [B, H, L, D] operand in: unit stride along
     * D, a 16-byte aligned start, and strides of the other dims that keep each row 16-byte aligned.
     */
    static boolean flashLayout(CudaDevice dev, Tensor x) {
        if (x.stride(3) != 1) return false;
        if ((dev.addr(x) & 15) != 0) return false;
        for (int i = 0; i < 3; i++) if ((x.stride(i) * 2) % 16 != 0 && x.size(i) > 1) return false;
        return true;
    }

    private Tensor flash(Tensor q, Tensor k, Tensor v, float scale) {
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2);
        Tensor out = alloc.empty(q.dtype(), b, h, lq, d);
        String kernel = "flash_fwd_" + (q.dtype() == DType.BF16 ? "bf16" : "f16") + "_d" + d;
        int smem = (BM + 4 * 64) * d * 2;
        if (smem > 48 * 1024) dev.allowSharedMemory("attention.cu", kernel, smem);
        try (KernelArgs a = new KernelArgs()) {
            a.ptr(dev.addr(q)).ptr(dev.addr(k)).ptr(dev.addr(v)).ptr(dev.addr(out));
            a.i64(q.stride(0)).i64(q.stride(1)).i64(q.stride(2));
            a.i64(k.stride(0)).i64(k.stride(1)).i64(k.stride(2));
            a.i64(v.stride(0)).i64(v.stride(1)).i64(v.stride(2));
            a.i32(h).i32(lq).i32(lk).f32((float) (scale * 1.4426950408889634));
            dev.launch("attention.cu", kernel, (lq + BM - 1) / BM, h, b, 256, smem, a);
        }
        return out;
    }

    private Tensor exact(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        int b = q.size(0), h = q.size(1), lq = q.size(2), lk = k.size(2), dv = v.size(3);
        DType dt = CudaElementwise.promote(CudaElementwise.promote(q.dtype(), k.dtype()), v.dtype());
        Tensor out = alloc.empty(dt, b, h, lq, dv);
        if (out.numel() == 0) return out;
        Tensor kt = k.transpose(2, 3);
        long perRow = (long) b * h * lk * 4;
        int chunk = (int) Math.max(1, Math.min(lq, SCORE_BYTES / Math.max(1, perRow)));
        for (int q0 = 0; q0 < lq; q0 += chunk) {
            int n = Math.min(chunk, lq - q0);
            Tensor qs = q.narrow(2, q0, n);
            Tensor s = linalg.matmul(qs, kt, scale);  // [B, H, n, Lk], scaled in the GEMM
            if (s.dtype() != DType.F32) {
                Tensor f = s.to(DType.F32);
                s.free();
                s = f;
            }
            if (bias != null) ew.addInPlace(s, bias.expand(b, h, lq, lk).narrow(2, q0, n));
            norm.softmaxInto(s, s);
            Tensor p = s.dtype() == v.dtype() ? s : s.to(v.dtype());
            Tensor o = linalg.matmul(p, v, 1f);
            ew.copyInto(out.narrow(2, q0, n), o);
            o.free();
            if (p != s) p.free();
            s.free();
        }
        return out;
    }
}
