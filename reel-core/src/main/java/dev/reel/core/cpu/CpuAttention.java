package dev.reel.core.cpu;

import static dev.reel.core.cpu.CpuGemm.MR;
import static dev.reel.core.cpu.CpuGemm.NR;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Flash-style scaled dot-product attention: for each head, K and V are packed once into GEMM panels; then blocks
 * of {@link #BQ} queries walk the keys in blocks of {@link #BK}, computing the score tile with the GEMM
 * micro-kernel, updating a running max and sum per query (online softmax) and accumulating the unnormalised
 * output tile with the micro-kernel again. Memory stays O(L·D): one head's packed K/V plus small tiles.
 */
final class CpuAttention {
    private CpuAttention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Queries per tile (a multiple of the micro-kernel's rows). */
    static final int BQ = 16 * MR;
    /** Keys per tile (a multiple of the micro-kernel's columns). */
    static final int BK = 8 * NR;

    static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new ShapeException("attention", "q, k, v must be [B, H, L, D], got " + ShapeException.fmt(q.shape()) + ", " + ShapeException.fmt(k.shape()) + ", " + ShapeException.fmt(v.shape()));
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2), dv = v.size(3);
        if (k.size(0) != b || k.size(1) != h || k.size(3) != d || v.size(0) != b || v.size(1) != h || v.size(2) != lk)
            throw new ShapeException("attention", "q " + ShapeException.fmt(q.shape()) + ", k " + ShapeException.fmt(k.shape()) + ", v " + ShapeException.fmt(v.shape())
                    + " disagree (k must be [B, H, Lk, D] and v [B, H, Lk, Dv] for q [B, H, Lq, D])");
        float[] qa = Dense.f32("attention", q), ka = Dense.f32("attention", k), va = Dense.f32("attention", v);
        Tensor be = null;
        float[] ba = null;
        if (bias != null) {
            ba = Dense.f32("attention", bias);
            try {
                if (bias.rank() <= 4) be = bias.expand(b, h, lq, lk);
            } catch (ShapeException e) {
                be = null;
            }
            if (be == null) throw new ShapeException("attention", "bias " + ShapeException.fmt(bias.shape()) + " does not broadcast to [B, H, Lq, Lk] = " + ShapeException.fmt(new int[] {b, h, lq, lk}));
        }
        float[] out = new float[b * h * lq * dv];
        if (out.length == 0) return Dense.tensor(out, b, h, lq, dv);
        int kPanels = (lk + NR - 1) / NR, vPanels = (dv + NR - 1) / NR;
        float[] kp = new float[kPanels * NR * d];   // [key panel][d][NR]
        float[] vp = new float[vPanels * lk * NR];  // [dv panel][key][NR]
        long[] qs = q.strides(), ks = k.strides(), vs = v.strides();
        long[] bst = be == null ? null : be.strides();
        for (int bb = 0; bb < b; bb++)
            for (int hh = 0; hh < h; hh++) {
                int kBase = (int) (k.offset() + bb * ks[0] + hh * ks[1]);
                int vBase = (int) (v.offset() + bb * vs[0] + hh * vs[1]);
                WorkerPool.parallelFor(kPanels, 4, (p0, p1) -> {
                    for (int p = p0; p < p1; p++) CpuGemm.packB(ka, kBase, (int) ks[3], (int) ks[2], p * NR, Math.min(NR, lk - p * NR), d, kp, p * NR * d);
                });
                WorkerPool.parallelFor(vPanels, 1, (p0, p1) -> {
                    for (int p = p0; p < p1; p++) CpuGemm.packB(va, vBase, (int) vs[2], (int) vs[3], p * NR, Math.min(NR, dv - p * NR), lk, vp, p * NR * lk);
                });
                int qBase = (int) (q.offset() + bb * qs[0] + hh * qs[1]);
                int oBase = (bb * h + hh) * lq * dv;
                long bBase = be == null ? 0 : be.offset() + bb * bst[0] + hh * bst[1];
                float[] bArr = ba;
                WorkerPool.parallelFor((lq + BQ - 1) / BQ, 1, (t0, t1) -> {
                    Tile tile = new Tile(d, dv);
                    for (int t = t0; t < t1; t++) {
                        tile.run(t * BQ, Math.min(BQ, lq - t * BQ), lk, scale, qa, qBase, (int) qs[2], (int) qs[3], kp, vp,
                                bArr, bBase, bst == null ? 0 : bst[2], bst == null ? 0 : bst[3], out, oBase, dv);
                    }
                });
            }
        return Dense.tensor(out, b, h, lq, dv);
    }

    /** Buffers and the inner loops of one query tile. */
    private static final class Tile {
        final int d, dv, dvPad;
        final float[] qt, st, ot, m = new float[BQ], l = new float[BQ];

        Tile(int d, int dv) {
            this.d = d;
            this.dv = dv;
            this.dvPad = (dv + NR - 1) / NR * NR;
            this.qt = new float[BQ * d];
            this.st = new float[BQ * BK];
            this.ot = new float[BQ * dvPad];
        }

        void run(int i0, int rows, int lk, float scale, float[] qa, int qBase, int qRs, int qCs, float[] kp, float[] vp,
                 float[] ba, long bBase, long bRs, long bCs, float[] out, int oBase, int dvOut) {
            int rowsPad = (rows + MR - 1) / MR * MR;
            // the query tile, pre-scaled, row-major [rowsPad][d] (padding rows zero)
            Arrays.fill(qt, 0, rowsPad * d, 0f);
            for (int r = 0; r < rows; r++) {
                int src = qBase + (i0 + r) * qRs;
                for (int c = 0; c < d; c++) qt[r * d + c] = qa[src + c * qCs] * scale;
            }
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
            Arrays.fill(l, 0f);
            Arrays.fill(ot, 0, rowsPad * dvPad, 0f);
            for (int j0 = 0; j0 < lk; j0 += BK) {
                int jn = Math.min(BK, lk - j0);
                int jPanels = (jn + NR - 1) / NR;
                // scores S = Q·Kᵀ for this key block
                for (int jp = 0; jp < jPanels; jp++) {
                    int bo = (j0 / NR + jp) * NR * d;
                    for (int r = 0; r < rowsPad; r += MR) CpuGemm.kernelRows(d, qt, r * d, d, kp, bo, st, r * BK + jp * NR, BK, false);
                }
                // online softmax: P = exp(S − m_new) in place, rescale the running sums and output rows
                for (int r = 0; r < rowsPad; r++) {
                    int sr = r * BK;
                    if (r >= rows) { Arrays.fill(st, sr, sr + jn, 0f); continue; }
                    if (ba != null) {
                        long br = bBase + (i0 + r) * bRs + j0 * bCs;
                        for (int j = 0; j < jn; j++) st[sr + j] += ba[(int) (br + j * bCs)];
                    }
                    float mx = max(st, sr, jn);
                    float mNew = Math.max(m[r], mx);
                    if (mNew == Float.NEGATIVE_INFINITY) { Arrays.fill(st, sr, sr + jn, 0f); continue; } // all masked so far
                    float corr = (float) Math.exp(m[r] - mNew);
                    m[r] = mNew;
                    float sum = expInPlace(st, sr, jn, mNew);
                    l[r] = l[r] * corr + sum;
                    if (corr != 1f) scaleRow(ot, r * dvPad, dvPad, corr);
                }
                // O += P·V for this key block
                int vo = j0 * NR;
                for (int cp = 0; cp < dvPad / NR; cp++) {
                    int bo = cp * NR * lk + vo;
                    for (int r = 0; r < rowsPad; r += MR) CpuGemm.kernelRows(jn, st, r * BK, BK, vp, bo, ot, r * dvPad + cp * NR, dvPad, true);
                }
            }
            for (int r = 0; r < rows; r++) {
                float inv = 1f / l[r];
                int o = oBase + (i0 + r) * dvOut;
                for (int c = 0; c < dv; c++) out[o + c] = ot[r * dvPad + c] * inv;
            }
        }
    }

    private static float max(float[] a, int off, int n) {
        int j = 0;
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int bound = S.loopBound(n); j < bound; j += S.length()) mv = mv.max(FloatVector.fromArray(S, a, off + j));
        float r = mv.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) r = Math.max(r, a[off + j]);
        return r;
    }

    /** a[off..off+n) = exp(a − m); returns the sum. */
    private static float expInPlace(float[] a, int off, int n, float m) {
        int j = 0;
        FloatVector mv = FloatVector.broadcast(S, m), sv = FloatVector.zero(S);
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector e = VecMath.exp(FloatVector.fromArray(S, a, off + j).sub(mv));
            e.intoArray(a, off + j);
            sv = sv.add(e);
        }
        float s = VecMath.sumLanes(sv);
        for (; j < n; j++) { float e = (float) Math.exp(a[off + j] - m); a[off + j] = e; s += e; }
        return s;
    }

    private static void scaleRow(float[] a, int off, int n, float s) {
        int j = 0;
        FloatVector sv = FloatVector.broadcast(S, s);
        for (int bound = S.loopBound(n); j < bound; j += S.length()) FloatVector.fromArray(S, a, off + j).mul(sv).intoArray(a, off + j);
        for (; j < n; j++) a[off + j] *= s;
    }
}
