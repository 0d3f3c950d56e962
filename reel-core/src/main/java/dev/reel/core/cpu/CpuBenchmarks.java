package dev.reel.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measurements of the CPU backend for {@code reel bench cpu}: the machine's fp32 FMA peak (a Vector API loop of
 * independent multiply-adds on every worker thread), GEMM and attention throughput.
 */
public final class CpuBenchmarks {
    private CpuBenchmarks() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Float lanes per vector on this machine. */
    public static int lanes() { return S.length(); }

    /** Threads the backend computes with. */
    public static int threads() { return WorkerPool.THREADS; }

    /**
     * Measured fp32 FMA throughput in GFLOP/s over all threads: each thread runs 12 independent FMA chains
     * (enough to cover the FMA latency on two pipes) for {@code iterations} steps; 1 FMA = 2 FLOP per lane.
     */
    public static double peakGflops(int iterations) {
        int t = WorkerPool.THREADS;
        double[] sink = new double[t];
        long start = System.nanoTime();
        WorkerPool.parallelFor(t, 1, (t0, t1) -> {
            for (int i = t0; i < t1; i++) sink[i] = fmaLoop(iterations, 1f + i * 1e-9f);
        });
        long ns = System.nanoTime() - start;
        double flops = 2.0 * 12 * S.length() * (double) iterations * t;
        if (sink[0] == 42) System.out.print("");
        return flops / ns;
    }

    private static float fmaLoop(int iterations, float seed) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f), a = FloatVector.broadcast(S, 1e-7f);
        FloatVector v0 = FloatVector.broadcast(S, seed), v1 = v0.add(1), v2 = v0.add(2), v3 = v0.add(3), v4 = v0.add(4), v5 = v0.add(5),
                v6 = v0.add(6), v7 = v0.add(7), v8 = v0.add(8), v9 = v0.add(9), v10 = v0.add(10), v11 = v0.add(11);
        for (int i = 0; i < iterations; i++) {
            v0 = v0.fma(m, a); v1 = v1.fma(m, a); v2 = v2.fma(m, a); v3 = v3.fma(m, a);
            v4 = v4.fma(m, a); v5 = v5.fma(m, a); v6 = v6.fma(m, a); v7 = v7.fma(m, a);
            v8 = v8.fma(m, a); v9 = v9.fma(m, a); v10 = v10.fma(m, a); v11 = v11.fma(m, a);
        }
        return v0.add(v1).add(v2).add(v3).add(v4).add(v5).add(v6).add(v7).add(v8).add(v9).add(v10).add(v11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
