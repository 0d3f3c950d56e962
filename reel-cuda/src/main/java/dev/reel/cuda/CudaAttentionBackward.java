package dev.reel.cuda;

import dev.reel.core.AttentionBackend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.Arrays;

/**
 * The fused backward of unbiased bf16/f16 attention, on the kernel family the backend's attention selection chose
 * ({@link CudaAttention#selected()}):
 *
 * <ul>
 *   <li>{@code SDPA}: cuDNN's fused SDPA backward ({@link CudnnAttention#backward}), after a training forward that
 *       gives it the softmax statistics; the gradients come back dense in q's dtype. A problem cuDNN declines (logged
 *       once per shape) runs Reel's kernels below.
 *   <li>{@code FLASH}, or after cuDNN declined: Reel's kernels ({@code attention_bwd.cu}, FlashAttention-2's
 *       algorithm): a pass that recomputes each query row's log-sum-exp and takes {@code Δ = rowsum(dO ⊙ O)}, a kernel
 *       per key block for dK and dV, and a kernel per query block for dQ (deterministic: no atomics), on the tensor
 *       cores at head dim 64 or 128; the gradients come back dense fp32.
 * </ul>
 * Both read q, k, v through their strides (so {@code [B, L, H, D]} projections transposed to {@code [B, H, L, D]}
 * need no copy). Anything else answers null and autograd composes the gradients.
 */
final class CudaAttentionBackward {
    private static final String FILE = "attention_bwd.cu";
    /** Query rows of a prep or dQ block, key rows of a dK/dV block, key rows of a dQ step (the kernel's FA_BM, FB_BN, FA_BN). */
    private static final int BM = 128, BN = 128, KN = 64;

    private final CudaDevice dev;
    private final CudaAllocator alloc;
    private final CudaElementwise ew;
    private final CudaAttention attention;

    /** @param attention the forward, whose kernel selection this backward follows */
    CudaAttentionBackward(CudaDevice dev, CudaAllocator alloc, CudaElementwise ew, CudaAttention attention) {
        this.dev = dev;
        this.alloc = alloc;
        this.ew = ew;
        this.attention = attention;
    }

    /**
     * The training forward {O, Stats} where the backward will be cuDNN's (the selection is {@code SDPA} and cuDNN has
     * engines for this problem's forward with statistics and its backward with a dense dO); null otherwise, and the
     * caller runs the plain forward.
     */
    Tensor[] forwardForBackward(Tensor q, Tensor k, Tensor v, float scale) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) return null;
        CudnnAttention c = cudnnFor(q, k, v);
        if (c == null) return null;
        int[] oShape = {q.size(0), q.size(1), q.size(2), v.size(3)};
        if (!c.takesBackward(q, k, v, Tensor.contiguousStrides(oShape))) return null;
        return c.forwardWithStatistics(alloc, q, k, v, scale);
    }

    /**
     * {dq, dk, dv}: in q's dtype from cuDNN, in fp32 from Reel's kernels; null where neither applies (the caller
     * composes the gradients). {@code stats} are those {@link #forwardForBackward} gave with {@code o}, or null (cuDNN
     * then runs that forward first).
     */
    Tensor[] backward(Tensor q, Tensor k, Tensor v, Tensor o, Tensor stats, Tensor dO, float scale) {
        if (!shapes(q, k, v, o, dO)) return null;
        CudnnAttention c = cudnnFor(q, k, v);
        Tensor[] r = c == null ? null : cudnn(c, q, k, v, o, stats, dO, scale);
        if (r != null) return r;
        if (!flashApplies(q, k, v)) return null;
        DType t = q.dtype();
        Tensor g = dO, ob = o;
        // the gradient arriving in fp32 or in a layout the kernel cannot read is copied once to q's dtype, dense
        if (g.dtype() != t || !readable(g)) g = ew.cast(g, t);
        if (ob.dtype() != t || !readable(ob)) ob = ew.cast(ob, t);
        try {
            return run(q, k, v, ob, g, scale);
        } finally {
            if (g != dO) g.free();
            if (ob != o) ob.free();
        }
    }

    /** cuDNN's attention graphs when the selection is {@code SDPA}, cuDNN loaded and the problem one it takes; else null. */
    private CudnnAttention cudnnFor(Tensor q, Tensor k, Tensor v) {
        if (attention.selected() != AttentionBackend.SDPA || !CudnnAttention.supports(dev, q, k, v)) return null;
        Cudnn cudnn = dev.cudnn();
        return cudnn == null ? null : cudnn.attention();
    }

    /** cuDNN's backward, with dO copied once to q's dtype, dense, where cuDNN cannot read it in place; null if declined. */
    private Tensor[] cudnn(CudnnAttention c, Tensor q, Tensor k, Tensor v, Tensor o, Tensor stats, Tensor dO, float scale) {
        boolean inPlace = dO.dtype() == q.dtype() && CudnnAttention.readable(dev, dO);
        if (!c.takesBackward(q, k, v, inPlace ? dO.strides() : Tensor.contiguousStrides(dO.shape()))) return null;
        Tensor g = inPlace ? dO : ew.cast(dO, q.dtype());
        try {
            return stats != null && CudnnAttention.savedForward(o, stats)
                    ? c.backward(alloc, q, k, v, o, stats, g, scale)
                    : c.backward(alloc, q, k, v, g, scale);
        } finally {
            if (g != dO) g.free();
        }
    }

    private Tensor[] run(Tensor q, Tensor k, Tensor v, Tensor o, Tensor g, float scale) {
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2);
        String suffix = (q.dtype() == DType.BF16 ? "bf16" : "f16") + "_d" + d;
        float scaleLog2 = (float) (scale * 1.4426950408889634);
        Tensor lse = alloc.empty(DType.F32, b, h, lq), delta = alloc.empty(DType.F32, b, h, lq);
        Tensor dq = alloc.empty(DType.F32, b, h, lq, d), dk = alloc.empty(DType.F32, b, h, lk, d), dv = alloc.empty(DType.F32, b, h, lk, d);
        try {
            String prep = "attn_bwd_prep_" + suffix;
            int prepSmem = (BM + 2 * KN) * d * 2;
            try (KernelArgs a = new KernelArgs()) {
                a.ptr(dev.addr(q)).ptr(dev.addr(k)).ptr(dev.addr(o)).ptr(dev.addr(g)).ptr(dev.addr(lse)).ptr(dev.addr(delta));
                strides(a, q);
                strides(a, k);
                strides(a, o);
                strides(a, g);
                a.i32(h).i32(lq).i32(lk).f32(scaleLog2);
                launch(prep, (lq + BM - 1) / BM, h, b, prepSmem, a);
            }
            // the dK/dV block streams query tiles of 64 rows at head dim 64, 32 at head dim 128 (attention_bwd.cu)
            int bq = d == 128 ? 32 : 64;
            String dkdv = "attn_bwd_dkdv_" + suffix;
            int dkdvSmem = (2 * BN + 4 * bq) * d * 2 + 16 * bq;
            try (KernelArgs a = new KernelArgs()) {
                a.ptr(dev.addr(q)).ptr(dev.addr(k)).ptr(dev.addr(v)).ptr(dev.addr(g)).ptr(dev.addr(lse)).ptr(dev.addr(delta));
                a.ptr(dev.addr(dk)).ptr(dev.addr(dv));
                strides(a, q);
                strides(a, k);
                strides(a, v);
                strides(a, g);
                a.i32(h).i32(lq).i32(lk).f32(scaleLog2).f32(scale);
                launch(dkdv, (lk + BN - 1) / BN, h, b, dkdvSmem, a);
            }
            String dqk = "attn_bwd_dq_" + suffix;
            int dqSmem = (2 * BM + 4 * KN) * d * 2;
            try (KernelArgs a = new KernelArgs()) {
                a.ptr(dev.addr(q)).ptr(dev.addr(k)).ptr(dev.addr(v)).ptr(dev.addr(g)).ptr(dev.addr(lse)).ptr(dev.addr(delta));
                a.ptr(dev.addr(dq));
                strides(a, q);
                strides(a, k);
                strides(a, v);
                strides(a, g);
                a.i32(h).i32(lq).i32(lk).f32(scaleLog2).f32(scale);
                launch(dqk, (lq + BM - 1) / BM, h, b, dqSmem, a);
            }
        } catch (RuntimeException e) {
            dq.free();
            dk.free();
            dv.free();
            throw e;
        } finally {
            lse.free();
            delta.free();
        }
        return new Tensor[] {dq, dk, dv};
    }

    private static void strides(KernelArgs a, Tensor t) { a.i64(t.stride(0)).i64(t.stride(1)).i64(t.stride(2)); }

    private void launch(String kernel, int gx, int gy, int gz, int smem, KernelArgs a) {
        if (smem > 48 * 1024) dev.allowSharedMemory(FILE, kernel, smem);
        dev.launch(FILE, kernel, gx, gy, gz, 256, smem, a);
    }

    /** Shapes and dtypes both families take: 16-bit q, k, v of one dtype, k and v [B, H, Lk, D], o and dO [B, H, Lq, D]. */
    private static boolean shapes(Tensor q, Tensor k, Tensor v, Tensor o, Tensor dO) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || o.rank() != 4 || dO.rank() != 4) return false;
        DType t = q.dtype();
        if ((t != DType.BF16 && t != DType.F16) || k.dtype() != t || v.dtype() != t) return false;
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2);
        if (lq == 0 || lk == 0 || b == 0 || h == 0) return false;
        int[] kv = {b, h, lk, d}, qo = {b, h, lq, d};
        if (!Arrays.equals(k.shape(), kv) || !Arrays.equals(v.shape(), kv)) return false;
        if (!Arrays.equals(o.shape(), qo) || !Arrays.equals(dO.shape(), qo)) return false;
        return dO.dtype().isFloating() && o.dtype().isFloating();
    }

    /** What Reel's kernels add: the device, head dim 64 or 128, the grid's limits, q/k/v readable in place. */
    private boolean flashApplies(Tensor q, Tensor k, Tensor v) {
        if (dev.computeCapability() < AttentionSelector.FLASH_MIN_CC) return false;
        int d = q.size(3);
        if (d != 64 && d != 128) return false;
        if (q.size(0) > 65535 || q.size(1) > 65535) return false;   // grid y and z
        return readable(q) && readable(k) && readable(v);
    }

    private boolean readable(Tensor x) { return CudaAttention.flashLayout(dev, x); }
}
