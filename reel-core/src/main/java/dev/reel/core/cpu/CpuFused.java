package dev.reel.core.cpu;

import dev.reel.core.AdamWStep;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Single-pass versions of the backend's fused defaults (AdaLN modulation, gated residual, rotary embedding, AdamW):
 * one read of each input and one write, instead of a temporary per primitive.
 */
final class CpuFused {
    private CpuFused() {}

    private enum Kind { MODULATE, GATED_RESIDUAL }

    /** {@code x · (1 + scale) + shift}, shift/scale broadcast as NumPy does. */
    static Tensor modulate(Tensor x, Tensor shift, Tensor scale) { return ternary(Kind.MODULATE, x, shift, scale); }

    /** {@code x + y · gate}, broadcast as NumPy does. */
    static Tensor gatedResidual(Tensor x, Tensor y, Tensor gate) { return ternary(Kind.GATED_RESIDUAL, x, y, gate); }

    private static Tensor ternary(Kind kind, Tensor x, Tensor p, Tensor q) {
        String op = kind == Kind.MODULATE ? "modulate" : "gatedResidual";
        float[] xa = Dense.f32(op, x), pa = Dense.f32(op, p), qa = Dense.f32(op, q);
        int[] shape = CpuElementwise.broadcast(op, CpuElementwise.broadcast(op, x.shape(), p.shape()), q.shape());
        Tensor xe = x.expand(shape), pe = p.expand(shape), qe = q.expand(shape);
        int n = Math.toIntExact(Tensor.numel(shape));
        float[] out = new float[n];
        if (n > 0) {
            Dense.Layout l = Dense.Layout.coalesce(shape, new long[][] {xe.strides(), pe.strides(), qe.strides()});
            int inner = l.shape()[l.rank() - 1];
            int sx = (int) l.more()[0][l.rank() - 1], sp = (int) l.more()[1][l.rank() - 1], sq = (int) l.more()[2][l.rank() - 1];
            long xo = xe.offset(), po = pe.offset(), qo = qe.offset();
            WorkerPool.parallelFor(n / inner, Math.max(1, 16384 / inner), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int a = (int) (xo + l.rowOffset(r, 0)), b = (int) (po + l.rowOffset(r, 1)), c = (int) (qo + l.rowOffset(r, 2)), o = r * inner;
                    if (kind == Kind.MODULATE) {
                        if (sx == 1 && sp == 1 && sq == 1) for (int j = 0; j < inner; j++) out[o + j] = xa[a + j] * (1f + qa[c + j]) + pa[b + j];
                        else for (int j = 0; j < inner; j++) out[o + j] = xa[a + j * sx] * (1f + qa[c + j * sq]) + pa[b + j * sp];
                    } else {
                        if (sx == 1 && sp == 1 && sq == 1) for (int j = 0; j < inner; j++) out[o + j] = xa[a + j] + pa[b + j] * qa[c + j];
                        else for (int j = 0; j < inner; j++) out[o + j] = xa[a + j * sx] + pa[b + j * sp] * qa[c + j * sq];
                    }
                }
            });
        }
        return Dense.tensor(out, shape);
    }

    /** Rotary embedding on interleaved pairs: x {@code [B, L, H, D]}, cos/sin holding {@code L·D/2} values. */
    static Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        if (x.rank() != 4 || x.size(3) % 2 != 0)
            throw new ShapeException("rope", "x must be [B, L, H, D] with even D, got " + ShapeException.fmt(x.shape()));
        int b = x.size(0), len = x.size(1), h = x.size(2), d = x.size(3), half = d / 2;
        if (cos.numel() != (long) len * half || sin.numel() != (long) len * half)
            throw new ShapeException("rope", "cos " + ShapeException.fmt(cos.shape()) + " and sin " + ShapeException.fmt(sin.shape()) + " must hold [L, D/2] = [" + len + ", " + half + "] values for x " + ShapeException.fmt(x.shape()));
        Dense xd = Dense.of("rope", x), cd = Dense.of("rope", cos), sd = Dense.of("rope", sin);
        float[] xa = xd.a(), ca = cd.a(), sa = sd.a();
        float[] out = new float[Math.toIntExact(x.numel())];
        WorkerPool.parallelFor(b * len * h, Math.max(1, 8192 / Math.max(1, d)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int l = (r / h) % len;
                int xi = xd.off() + r * d, o = r * d, ci = cd.off() + l * half, si = sd.off() + l * half;
                for (int i = 0; i < half; i++) {
                    float x1 = xa[xi + 2 * i], x2 = xa[xi + 2 * i + 1], c = ca[ci + i], s = sa[si + i];
                    out[o + 2 * i] = x1 * c - x2 * s;
                    out[o + 2 * i + 1] = x1 * s + x2 * c;
                }
            }
        });
        return Dense.tensor(out, x.shape());
    }

    /**
     * {@link dev.reel.core.Backend#adamw} in one pass when all four tensors are contiguous F32 of one size; false
     * (nothing done) otherwise. Each product and sum is rounded to fp32 in the default's order, so the result is
     * bit-identical to it.
     */
    static boolean adamw(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep s) {
        if (!AdamWStep.onePass(param, grad, expAvg, expAvgSq)) return false;
        float[] p = Dense.f32("adamw", param), g = Dense.f32("adamw", grad), m = Dense.f32("adamw", expAvg), v = Dense.f32("adamw", expAvgSq);
        int po = Math.toIntExact(param.offset()), go = Math.toIntExact(grad.offset()), mo = Math.toIntExact(expAvg.offset()),
                vo = Math.toIntExact(expAvgSq.offset());
        float b1 = s.beta1(), b2 = s.beta2(), c1 = 1 - b1, c2 = 1 - b2, inv = 1f / s.bc2Sqrt(), eps = s.eps(), decay = s.decay(), step = s.stepSize();
        float gs = s.gradScale();
        WorkerPool.parallelFor(Math.toIntExact(param.numel()), 16384, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                float gi = g[go + i] * gs;
                float mi = m[mo + i] * b1 + gi * c1;
                float vi = v[vo + i] * b2 + (gi * gi) * c2;
                float denom = (float) Math.sqrt(vi) * inv + eps;
                m[mo + i] = mi;
                v[vo + i] = vi;
                p[po + i] = p[po + i] * decay - (mi / denom) * step;
            }
        });
        return true;
    }
}
