package dev.reel.core.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import static jdk.incubator.vector.VectorOperators.ADD;

/**
 * Single-precision GEMM {@code C[M,N] = A[M,K] · B[K,N]} over strided operands (any row/column strides, so
 * transposed views need no copy).
 *
 * <p>The classic blocked scheme (Goto/BLIS): a {@code KC}-deep slice of A is packed into {@code MR}-row panels
 * and a {@code KC × NC} slice of B into {@code NR}-column panels, so the {@link #kernel micro-kernel} streams both
 * from contiguous memory while its {@code MR × NR} block of C stays in vector registers (4 × 2 vectors: 8
 * accumulators, two B vectors and one broadcast A value; C2 spills larger tiles on AVX2's 16 registers). B's micro-panel
 * ({@code KC·NR} floats, 32 KiB) stays in L1 while A's panels of one {@code MC} block stream from L2. Tiles of
 * {@code MC} rows × {@code JG·NR} columns are spread over the {@link WorkerPool}.
 */
final class CpuGemm {
    private CpuGemm() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Rows of a micro-tile. */
    static final int MR = 4;
    /** Columns of a micro-tile (two vectors). */
    static final int NR = 2 * L;
    /** Depth of a packed slice: one B micro-panel ({@code KC·NR} floats) fills 32 KiB, the L1 of current x86 cores. */
    static final int KC = 8192 / NR;
    static final int MC = 32 * MR;
    static final int NC = 128 * NR;
    /** B micro-panels per parallel tile. */
    private static final int JG = 8;
    /**
     * Up to this many rows, {@code A·Bᵀ} with row-contiguous B (linear layers) skips packing ({@link #rowsTimesRows}):
     * measured on one Zen 3 core at K = N = 1536, unpacked ~43 GFLOP/s at any M; packed 27–34 at M = 48, 54 at 96.
     */
    static final int NT_MAX_ROWS = 64;
    /** Depth of one k-block of {@link #rowsTimesRows}: four B rows of it (16 KiB) stay in L1. */
    private static final int NT_KB = 1024;
    /** Below this many multiply-adds the packing is not worth it. */
    private static final long SMALL = 16 * 1024;

    /**
     * Overwrites {@code C} (row stride {@code ldc}, unit column stride) with {@code A · B}.
     * {@code A(i,k) = a[aOff + i·aRs + k·aCs]}, {@code B(k,j) = b[bOff + k·bRs + j·bCs]}.
     */
    static void sgemm(int m, int n, int k,
                      float[] a, int aOff, int aRs, int aCs,
                      float[] b, int bOff, int bRs, int bCs,
                      float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (k == 0 || (long) m * n * k <= SMALL) { naive(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc); return; }
        if (m <= NT_MAX_ROWS && bRs == 1 && aCs == 1) { rowsTimesRows(m, n, k, a, aOff, aRs, b, bOff, bCs, c, cOff, ldc); return; }
        int mPanels = (m + MR - 1) / MR;
        float[] ap = new float[mPanels * MR * Math.min(KC, k)];
        float[] bp = new float[((Math.min(NC, n) + NR - 1) / NR) * NR * Math.min(KC, k)];
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            boolean add = pc > 0;
            int pcc = pc;
            WorkerPool.parallelFor(mPanels, 8, (p0, p1) -> {
                for (int p = p0; p < p1; p++) packA(a, aOff + pcc * aCs, aRs, aCs, p * MR, Math.min(MR, m - p * MR), kc, ap, p * MR * kc);
            });
            for (int jc = 0; jc < n; jc += NC) {
                int nc = Math.min(NC, n - jc);
                int nPanels = (nc + NR - 1) / NR;
                int jcc = jc;
                WorkerPool.parallelFor(nPanels, 4, (p0, p1) -> {
                    for (int p = p0; p < p1; p++) packB(b, bOff + pcc * bRs + jcc * bCs, bRs, bCs, p * NR, Math.min(NR, nc - p * NR), kc, bp, p * NR * kc);
                });
                int iBlocks = (m + MC - 1) / MC, jGroups = (nPanels + JG - 1) / JG;
                WorkerPool.parallelFor(iBlocks * jGroups, 1, (t0, t1) -> {
                    float[] edge = new float[MR * NR];
                    for (int t = t0; t < t1; t++) {
                        int ib = t % iBlocks, jg = t / iBlocks;
                        int iEnd = Math.min(m, (ib + 1) * MC);
                        for (int jp = jg * JG; jp < Math.min(nPanels, (jg + 1) * JG); jp++) {
                            int j = jcc + jp * NR, nr = Math.min(NR, n - j);
                            for (int i = ib * MC; i < iEnd; i += MR) {
                                int mr = Math.min(MR, m - i);
                                int aPos = (i / MR) * MR * kc, bPos = jp * NR * kc;
                                if (mr == MR && nr == NR) {
                                    kernel(kc, ap, aPos, bp, bPos, c, cOff + i * ldc + j, ldc, add);
                                } else {
                                    kernel(kc, ap, aPos, bp, bPos, edge, 0, NR, false);
                                    for (int r = 0; r < mr; r++) {
                                        int cr = cOff + (i + r) * ldc + j;
                                        for (int q = 0; q < nr; q++) c[cr + q] = add ? c[cr + q] + edge[r * NR + q] : edge[r * NR + q];
                                    }
                                }
                            }
                        }
                    }
                });
            }
        }
    }

    /** Packs rows [i0, i0+mr) × kc columns of A as {@code kc} groups of {@code MR} values (zero-padded). */
    static void packA(float[] a, int base, int rs, int cs, int i0, int mr, int kc, float[] dst, int d) {
        if (mr < MR) Arrays.fill(dst, d, d + MR * kc, 0f);
        for (int r = 0; r < mr; r++) {
            int src = base + (i0 + r) * rs;
            for (int p = 0; p < kc; p++) dst[d + p * MR + r] = a[src + p * cs];
        }
    }

    /** Packs kc rows × columns [j0, j0+nr) of B as {@code kc} groups of {@code NR} values (zero-padded). */
    static void packB(float[] b, int base, int rs, int cs, int j0, int nr, int kc, float[] dst, int d) {
        if (cs == 1 && nr == NR) {
            for (int p = 0; p < kc; p++) System.arraycopy(b, base + p * rs + j0, dst, d + p * NR, NR);
            return;
        }
        if (rs == 1 && nr == NR) {
            // columns of B are rows in memory (a linear weight): gather each k's NR values with two vector gathers
            int[] idx = new int[NR];
            for (int q = 0; q < NR; q++) idx[q] = q * cs;
            int src = base + j0 * cs;
            for (int p = 0; p < kc; p++) {
                FloatVector.fromArray(S, b, src + p, idx, 0).intoArray(dst, d + p * NR);
                FloatVector.fromArray(S, b, src + p, idx, L).intoArray(dst, d + p * NR + L);
            }
            return;
        }
        if (nr < NR) Arrays.fill(dst, d, d + NR * kc, 0f);
        for (int q = 0; q < nr; q++) {
            int src = base + (j0 + q) * cs;
            for (int p = 0; p < kc; p++) dst[d + p * NR + q] = b[src + p * rs];
        }
    }

    /**
     * The register-blocked core: {@code C[0:MR, 0:NR] (+)= Ap · Bp} over {@code kc} steps, Ap/Bp packed panels
     * (A as MR values per step, B as NR values per step).
     */
    static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, float[] c, int co, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        store(c00, c01, c, co, add);
        store(c10, c11, c, co + ldc, add);
        store(c20, c21, c, co + 2 * ldc, add);
        store(c30, c31, c, co + 3 * ldc, add);
    }

    /**
     * The micro-kernel with A read in place from four row-major rows ({@code A(r, p) = a[ao + r·lda + p]})
     * instead of a packed panel: for operands produced row by row (attention's probabilities).
     */
    static void kernelRows(int kc, float[] a, int ao, int lda, float[] bp, int bo, float[] c, int co, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int a0 = ao, a1 = ao + lda, a2 = ao + 2 * lda, a3 = ao + 3 * lda;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        store(c00, c01, c, co, add);
        store(c10, c11, c, co + ldc, add);
        store(c20, c21, c, co + 2 * ldc, add);
        store(c30, c31, c, co + 3 * ldc, add);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] c, int co, boolean add) {
        if (add) {
            v0 = v0.add(FloatVector.fromArray(S, c, co));
            v1 = v1.add(FloatVector.fromArray(S, c, co + L));
        }
        v0.intoArray(c, co);
        v1.intoArray(c, co + L);
    }

    /**
     * {@code C = A·Bᵀ} for few rows of A against B given as rows along k ({@code B(k, j) = b[bOff + j·bCs + k]}, a
     * linear layer's {@code [out, in]} weight): dot products in vector lanes, 2 rows × 4 columns at a time, with
     * no packing. Packing the weight would cost about as much as 16 multiply-adds per element, which few rows do
     * not amortise. Each worker takes a range of 4-column groups; per k-block the four B rows stay in L1 while
     * the rows of A stream from L2.
     */
    private static void rowsTimesRows(int m, int n, int k, float[] a, int aOff, int aRs, float[] b, int bOff, int bCs, float[] c, int cOff, int ldc) {
        int groups = (n + 3) / 4;
        WorkerPool.parallelFor(groups, Math.max(1, (1 << 18) / Math.max(1, m * k)), (g0, g1) -> {
            for (int k0 = 0; k0 < k; k0 += NT_KB) {
                int kn = Math.min(NT_KB, k - k0);
                boolean add = k0 > 0;
                for (int g = g0; g < g1; g++) {
                    int j = g * 4;
                    int bo = bOff + j * bCs + k0;
                    if (j + 4 <= n) {
                        int i = 0;
                        for (; i + 2 <= m; i += 2) kernelNT(a, aOff + i * aRs + k0, aRs, b, bo, bCs, kn, c, cOff + i * ldc + j, ldc, add);
                        for (; i < m; i++)
                            for (int q = 0; q < 4; q++) accumulate(c, cOff + i * ldc + j + q, dot(a, aOff + i * aRs + k0, b, bo + q * bCs, kn), add);
                    } else {
                        for (int i = 0; i < m; i++)
                            for (int q = 0; j + q < n; q++) accumulate(c, cOff + i * ldc + j + q, dot(a, aOff + i * aRs + k0, b, bo + q * bCs, kn), add);
                    }
                }
            }
        });
    }

    private static void accumulate(float[] c, int i, float v, boolean add) { c[i] = add ? c[i] + v : v; }

    /** {@code C[0:2, 0:4] (+)= Σ_p A(r, p)·B(q, p)} over {@code kn} steps, both operands row-major along p. */
    static void kernelNT(float[] a, int ao, int lda, float[] b, int bo, int ldb, int kn, float[] c, int co, int ldc, boolean add) {
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        int a1 = ao + lda, b1 = bo + ldb, b2 = bo + 2 * ldb, b3 = bo + 3 * ldb;
        int p = 0;
        for (int bound = S.loopBound(kn); p < bound; p += L) {
            FloatVector x0 = FloatVector.fromArray(S, a, ao + p), x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector y = FloatVector.fromArray(S, b, bo + p);
            s00 = x0.fma(y, s00); s10 = x1.fma(y, s10);
            y = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(y, s01); s11 = x1.fma(y, s11);
            y = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(y, s02); s12 = x1.fma(y, s12);
            y = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(y, s03); s13 = x1.fma(y, s13);
        }
        float r00 = VecMath.sumLanes(s00), r01 = VecMath.sumLanes(s01), r02 = VecMath.sumLanes(s02), r03 = VecMath.sumLanes(s03);
        float r10 = VecMath.sumLanes(s10), r11 = VecMath.sumLanes(s11), r12 = VecMath.sumLanes(s12), r13 = VecMath.sumLanes(s13);
        for (; p < kn; p++) {
            float x0 = a[ao + p], x1 = a[a1 + p], y0 = b[bo + p], y1 = b[b1 + p], y2 = b[b2 + p], y3 = b[b3 + p];
            r00 += x0 * y0; r01 += x0 * y1; r02 += x0 * y2; r03 += x0 * y3;
            r10 += x1 * y0; r11 += x1 * y1; r12 += x1 * y2; r13 += x1 * y3;
        }
        accumulate(c, co, r00, add); accumulate(c, co + 1, r01, add); accumulate(c, co + 2, r02, add); accumulate(c, co + 3, r03, add);
        accumulate(c, co + ldc, r10, add); accumulate(c, co + ldc + 1, r11, add); accumulate(c, co + ldc + 2, r12, add); accumulate(c, co + ldc + 3, r13, add);
    }

    /** Σ x[xo+p]·y[yo+p] over p < n, in vector lanes. */
    static float dot(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0;
        int p = 0;
        for (; p + 2 * L <= n; p += 2 * L) {
            s0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), s0);
            s1 = FloatVector.fromArray(S, x, xo + p + L).fma(FloatVector.fromArray(S, y, yo + p + L), s1);
        }
        float r = VecMath.sumLanes(s0.add(s1));
        for (; p < n; p++) r += x[xo + p] * y[yo + p];
        return r;
    }

    /** Direct loops for tiny products (row-parallel, B rows scaled into C rows). */
    private static void naive(int m, int n, int k, float[] a, int aOff, int aRs, int aCs,
                              float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int cr = cOff + i * ldc;
            Arrays.fill(c, cr, cr + n, 0f);
            for (int p = 0; p < k; p++) {
                float x = a[aOff + i * aRs + p * aCs];
                int br = bOff + p * bRs;
                for (int j = 0; j < n; j++) c[cr + j] += x * b[br + j * bCs];
            }
        }
    }
}
