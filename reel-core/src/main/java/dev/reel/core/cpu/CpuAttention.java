package dev.reel.core.cpu;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention with an online softmax: each query row walks the keys in blocks, keeping a
 * running max, running sum and an unnormalised output row, so memory is O(L·D) whatever the sequence length.
 */
final class CpuAttention {
    private CpuAttention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int KEY_BLOCK = 128;

    static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new ShapeException("attention", "q, k, v must be [B, H, L, D], got " + ShapeException.fmt(q.shape()) + ", " + ShapeException.fmt(k.shape()) + ", " + ShapeException.fmt(v.shape()));
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2), dv = v.size(3);
        if (k.size(0) != b || k.size(1) != h || k.size(3) != d || v.size(0) != b || v.size(1) != h || v.size(2) != lk)
            throw new ShapeException("attention", "q " + ShapeException.fmt(q.shape()) + ", k " + ShapeException.fmt(k.shape()) + ", v " + ShapeException.fmt(v.shape())
                    + " disagree (k must be [B, H, Lk, D] and v [B, H, Lk, Dv] for q [B, H, Lq, D])");
        Tensor qd = rowsDense(q), kd = rowsDense(k), vd = rowsDense(v);
        float[] qa = Dense.f32("attention", qd), ka = Dense.f32("attention", kd), va = Dense.f32("attention", vd);
        float[] ba;
        long[] bst;
        long bOff;
        if (bias != null) {
            ba = Dense.f32("attention", bias);
            Tensor be;
            try {
                be = bias.rank() > 4 ? null : bias.expand(b, h, lq, lk);
            } catch (ShapeException e) {
                be = null;
            }
            if (be == null) throw new ShapeException("attention", "bias " + ShapeException.fmt(bias.shape()) + " does not broadcast to [B, H, Lq, Lk] = " + ShapeException.fmt(new int[] {b, h, lq, lk}));
            bst = be.strides();
            bOff = be.offset();
        } else {
            ba = null;
            bst = null;
            bOff = 0;
        }
        long[] qs = qd.strides(), ks = kd.strides(), vs = vd.strides();
        float[] out = new float[b * h * lq * dv];
        int rows = b * h * lq;
        WorkerPool.parallelFor(rows, 4, (r0, r1) -> {
            float[] sc = new float[KEY_BLOCK];
            float[] acc = new float[dv];
            for (int r = r0; r < r1; r++) {
                int i = r % lq, hh = (r / lq) % h, bb = r / (lq * h);
                int qp = (int) (qd.offset() + bb * qs[0] + hh * qs[1] + i * qs[2]);
                long kBase = kd.offset() + bb * ks[0] + hh * ks[1];
                long vBase = vd.offset() + bb * vs[0] + hh * vs[1];
                long biasRow = ba == null ? 0 : bOff + bb * bst[0] + hh * bst[1] + i * bst[2];
                float m = Float.NEGATIVE_INFINITY;
                double l = 0;
                java.util.Arrays.fill(acc, 0f);
                for (int j0 = 0; j0 < lk; j0 += KEY_BLOCK) {
                    int jn = Math.min(KEY_BLOCK, lk - j0);
                    float bm = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < jn; j++) {
                        float s = dot(qa, qp, ka, (int) (kBase + (j0 + j) * ks[2]), d) * scale;
                        if (ba != null) s += ba[(int) (biasRow + (j0 + j) * bst[3])];
                        sc[j] = s;
                        bm = Math.max(bm, s);
                    }
                    float mNew = Math.max(m, bm);
                    if (mNew == Float.NEGATIVE_INFINITY) continue; // every key so far is masked out
                    float corr = (float) Math.exp(m - mNew);
                    if (corr != 1f) { l *= corr; for (int c = 0; c < dv; c++) acc[c] *= corr; }
                    m = mNew;
                    for (int j = 0; j < jn; j++) {
                        float p = (float) Math.exp(sc[j] - m);
                        l += p;
                        axpy(p, va, (int) (vBase + (j0 + j) * vs[2]), acc, dv);
                    }
                }
                float inv = (float) (1 / l);
                int o = r * dv;
                for (int c = 0; c < dv; c++) out[o + c] = acc[c] * inv;
            }
        });
        return Dense.tensor(out, b, h, lq, dv);
    }

    /** The view itself when its last dim is unit-stride (rows can be read in place), else a dense copy. */
    private static Tensor rowsDense(Tensor t) {
        Dense.f32("attention", t);
        return t.stride(-1) == 1 || t.size(-1) == 1 ? t : Dense.tensor(Dense.of("attention", t).a(), t.shape());
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int j = 0;
        FloatVector s = FloatVector.zero(S);
        for (int bound = S.loopBound(n); j < bound; j += S.length())
            s = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), s);
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) r += a[ao + j] * b[bo + j];
        return r;
    }

    static void axpy(float alpha, float[] x, int xo, float[] y, int n) {
        int j = 0;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int bound = S.loopBound(n); j < bound; j += S.length())
            FloatVector.fromArray(S, x, xo + j).fma(va, FloatVector.fromArray(S, y, j)).intoArray(y, j);
        for (; j < n; j++) y[j] += alpha * x[xo + j];
    }
}
