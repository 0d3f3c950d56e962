package dev.reel.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM {@code C[M,N] = A[M,K] · B[K,N]} over strided operands (any row/column strides, so
 * transposed views need no copy).
 */
final class CpuGemm {
    private CpuGemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * Overwrites {@code C} (row stride {@code ldc}, unit column stride) with {@code A · B}.
     * {@code A(i,k) = a[aOff + i·aRs + k·aCs]}, {@code B(k,j) = b[bOff + k·bRs + j·bCs]}.
     */
    static void sgemm(int m, int n, int k,
                      float[] a, int aOff, int aRs, int aCs,
                      float[] b, int bOff, int bRs, int bCs,
                      float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        // B as dense rows [K][N] so each A(i,k) scales one contiguous row of B.
        float[] bp;
        int bpOff;
        if (bCs == 1 && bRs == n) { bp = b; bpOff = bOff; }
        else {
            bp = new float[k * n];
            bpOff = 0;
            WorkerPool.parallelFor(k, Math.max(1, 16384 / Math.max(1, n)), (k0, k1) -> {
                for (int kk = k0; kk < k1; kk++) for (int j = 0; j < n; j++) bp[kk * n + j] = b[bOff + kk * bRs + j * bCs];
            });
        }
        int grain = Math.max(1, (1 << 16) / Math.max(1, n * Math.max(1, k) / 64));
        WorkerPool.parallelFor(m, grain, (i0, i1) -> {
            int bound = S.loopBound(n);
            for (int i = i0; i < i1; i++) {
                int cr = cOff + i * ldc;
                java.util.Arrays.fill(c, cr, cr + n, 0f);
                for (int kk = 0; kk < k; kk++) {
                    float aik = a[aOff + i * aRs + kk * aCs];
                    int br = bpOff + kk * n;
                    FloatVector va = FloatVector.broadcast(S, aik);
                    int j = 0;
                    for (; j < bound; j += S.length()) {
                        FloatVector.fromArray(S, bp, br + j).fma(va, FloatVector.fromArray(S, c, cr + j)).intoArray(c, cr + j);
                    }
                    for (; j < n; j++) c[cr + j] += aik * bp[br + j];
                }
            }
        });
    }
}
