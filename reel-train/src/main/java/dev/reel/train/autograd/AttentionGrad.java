package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;

/**
 * Backward of scaled dot-product attention, flash-style: the probabilities are recomputed one block of queries at a
 * time, so memory is O(block·Lk) rather than the whole Lq×Lk matrix. Per block, with P = softmax(S), S = q·kᵀ·scale
 * + bias and Δ = rowsum(dO ⊙ O): dV += Pᵀ·dO, dS = P ⊙ (dO·Vᵀ − Δ), dQ = dS·K·scale, dK += dSᵀ·Q·scale, and a bias
 * that requires grad (UMT5's learned relative-position table) gets dS summed back to its broadcast shape. In fp32.
 * Without a bias the backend is asked first for a fused kernel ({@link Backend#attentionBackward}: on CUDA, cuDNN's
 * SDPA backward or Reel's flash backward for bf16/fp16), which never materialises a score block at all. Either way the
 * gradients are fp32 (a fused kernel's 16-bit ones are widened).
 */
final class AttentionGrad {
    /**
     * Elements of one block's score matrix (B·H·block·Lk): 64 Mi fp32 values, 256 MiB, about 1 GiB with the block's
     * other temporaries. The 1.3B at 33×480×832 (B·H = 12, L = 14,040) then takes 36 blocks per attention instead of
     * the 142 of a 64 MiB block: ~10 ops a block, 30 layers, forward recompute included, so ~30k fewer launches a step,
     * and larger matrix products.
     */
    static final long BLOCK_ELEMENTS = 1L << 26;

    private AttentionGrad() {}

    /** @param stats the softmax statistics {@link Backend#attentionForBackward} gave with {@code o}, or null */
    static Tensor[] backward(Backend b, Tensor q, Tensor k, Tensor v, Tensor bias, float scale, Tensor o, Tensor stats, Tensor g, boolean[] needed) {
        return backward(b, q, k, v, bias, scale, o, stats, g, needed, BLOCK_ELEMENTS);
    }

    /** As above, with score blocks of at most {@code blockElements} values (tests use small ones). */
    static Tensor[] backward(Backend b, Tensor q, Tensor k, Tensor v, Tensor bias, float scale, Tensor o, Tensor stats, Tensor g, boolean[] needed,
                             long blockElements) {
        if (bias == null) {
            // the backend's fused kernel where it has one (on CUDA, cuDNN's or Reel's for 16-bit q/k/v), else composed below
            Tensor[] fused = b.attentionBackward(q, k, v, o, stats, g, scale);
            if (fused != null) {
                Tensor[] out = new Tensor[4];
                for (int i = 0; i < 3; i++) {
                    if (needed[i] && fused[i].dtype() == DType.F32) {
                        out[i] = fused[i];
                        continue;
                    }
                    if (needed[i]) out[i] = b.cast(fused[i], DType.F32);
                    fused[i].free();   // a 16-bit gradient (cuDNN's) once widened, or one not needed
                }
                return out;
            }
        }
        int batch = q.size(0), heads = q.size(1), lq = q.size(2), lk = k.size(2);
        Tensor qf = b.cast(q, DType.F32), kf = b.cast(k, DType.F32), vf = b.cast(v, DType.F32);
        Tensor gf = b.cast(g, DType.F32);
        Tensor delta = b.sum(b.mul(gf, b.cast(o, DType.F32)), -1, true);                 // [B, H, Lq, 1]
        Tensor dq = b.zeros(DType.F32, q.shape());
        Tensor dk = b.zeros(DType.F32, k.shape());
        Tensor dv = b.zeros(DType.F32, v.shape());
        Tensor ds = needed[3] ? b.zeros(DType.F32, batch, heads, lq, lk) : null;   // the scores' gradient: the bias's, before the broadcast is summed
        Tensor kT = kf.transpose(-1, -2), vT = vf.transpose(-1, -2);
        int block = (int) Math.max(1, Math.min(lq, blockElements / ((long) batch * heads * lk)));
        for (int s = 0; s < lq; s += block) {
            int n = Math.min(block, lq - s);
            try (Scope scope = Scope.open()) {
                Tensor qb = qf.narrow(2, s, n), gb = gf.narrow(2, s, n);
                Tensor scores = b.scale(b.matmul(qb, kT), scale);                         // [B, H, n, Lk]
                if (bias != null) scores = b.add(scores, biasBlock(bias, lq, s, n));
                Tensor p = b.softmax(scores);
                Tensor dsb = b.mul(p, b.sub(b.matmul(gb, vT), delta.narrow(2, s, n)));
                if (ds != null) b.copyInto(ds.narrow(2, s, n), dsb);
                if (needed[0]) b.copyInto(dq.narrow(2, s, n), b.scale(b.matmul(dsb, kf), scale));
                if (needed[1]) b.copyInto(dk, b.add(dk, b.scale(b.matmul(dsb.transpose(-1, -2), qb), scale)));
                if (needed[2]) b.copyInto(dv, b.add(dv, b.matmul(p.transpose(-1, -2), gb)));
            }
        }
        return new Tensor[] {needed[0] ? dq : null, needed[1] ? dk : null, needed[2] ? dv : null, ds == null ? null : Shapes.reduceTo(b, ds, bias)};
    }

    /** The rows of a bias broadcastable to [B, H, Lq, Lk] that belong to queries [s, s+n). */
    private static Tensor biasBlock(Tensor bias, int lq, int s, int n) {
        int qDim = bias.rank() - 2;
        return qDim >= 0 && bias.size(qDim) == lq && lq != 1 ? bias.narrow(qDim, s, n) : bias;
    }
}
