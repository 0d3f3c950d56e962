package dev.reel.testkit;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.cpu.CpuBackend;
import java.lang.management.ManagementFactory;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measurements of the CPU backend for {@code reel bench cpu}: the core clock and the fp32 FMA peak it implies,
 * GEMM and attention throughput. Every figure is the best of several runs, since other processes may share the
 * cores; wall-clock throughput is reported next to throughput per CPU-second of the threads that did the work,
 * which time-sharing with other processes does not dilute.
 */
public final class CpuBenchmarks {
    private CpuBenchmarks() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** FMA units per core assumed for the peak (two 256-bit FMA pipes on AMD Zen 2–4 and Intel since Haswell). */
    public static final int FMA_PIPES = 2;
    /** Latency in cycles of a dependent vector FMA assumed for the clock estimate (Zen 2–4, Skylake: 4). */
    public static final int FMA_LATENCY = 4;

    /** A throughput figure: best wall-clock and best per-CPU-second rates, and the best wall time of one run. */
    public record Rate(double gflops, double gflopsPerCpu, double bestMillis) {}

    /** Float lanes per vector on this machine. */
    public static int lanes() { return S.length(); }

    /** Threads the backend computes with. */
    public static int threads() { return CpuBackend.instance().threads(); }

    /**
     * The core clock in GHz, measured as (dependent FMAs per second) × {@link #FMA_LATENCY}: a single chain of
     * vector FMAs, each waiting on the previous, runs at one per latency period.
     */
    public static double clockGhz(int runs) {
        var mx = ManagementFactory.getThreadMXBean();
        double best = 0;
        float sink = 0;
        for (int r = 0; r < runs; r++) {
            int it = 20_000_000;
            long t = mx.getCurrentThreadCpuTime();
            for (int c = 0; c < it / CHUNK; c++) sink += chain(CHUNK);
            long ns = mx.getCurrentThreadCpuTime() - t;
            best = Math.max(best, (double) FMA_LATENCY * it / ns);
        }
        if (sink == 42) System.out.print("");
        return best;
    }

    /** Theoretical fp32 peak in GFLOP/s of all compute threads at {@code clockGhz}: threads × pipes × lanes × 2 × clock. */
    public static double peakGflops(double clockGhz) {
        return threads() * FMA_PIPES * S.length() * 2 * clockGhz;
    }

    /** An FMA-only loop (10 independent chains per thread, on every thread): the peak reached in practice. */
    public static Rate fmaLoop(int runs) {
        int t = threads();
        int it = 20_000_000;
        double flops = 2.0 * 10 * S.length() * (double) it * t;
        float[] sink = new float[t];
        return measure(runs, flops, () -> CpuBackend.instance().parallelFor(t, i -> {
            for (int c = 0; c < it / CHUNK; c++) sink[i] += fmaChains(CHUNK, 1f + i * 1e-9f);
        }));
    }

    /** Square fp32 GEMM {@code n×n·n×n} through {@link CpuBackend#matmul}. */
    public static Rate gemm(int n, int runs) {
        CpuBackend cpu = CpuBackend.instance();
        Tensor a = random(cpu, 1, n, n), b = random(cpu, 2, n, n);
        return measure(runs, 2.0 * n * n * n, () -> cpu.matmul(a, b));
    }

    /** Attention on {@code [batch, heads, len, dim]} (self-attention, no bias); 4·B·H·L²·D FLOP counted. */
    public static Rate attention(int batch, int heads, int len, int dim, int runs) {
        CpuBackend cpu = CpuBackend.instance();
        Tensor q = random(cpu, 3, batch, heads, len, dim), k = random(cpu, 4, batch, heads, len, dim), v = random(cpu, 5, batch, heads, len, dim);
        float scale = (float) (1 / Math.sqrt(dim));
        return measure(runs, 4.0 * batch * heads * (double) len * len * dim, () -> cpu.attention(q, k, v, null, scale));
    }

    private static Tensor random(CpuBackend cpu, long seed, int... shape) {
        Random r = new Random(seed);
        float[] f = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < f.length; i++) f[i] = r.nextFloat() * 2 - 1;
        return cpu.fromFloats(f, DType.F32, shape);
    }

    private static Rate measure(int runs, double flops, Runnable body) {
        // warm-up until the JIT has compiled the hot loops (at least 3 runs and 1.5 s, at most 20 runs)
        long w0 = System.nanoTime();
        for (int w = 0; w < 20 && (w < 3 || System.nanoTime() - w0 < 1_500_000_000L); w++) body.run();
        double best = 0, bestCpu = 0, bestMs = Double.MAX_VALUE;
        for (int r = 0; r < runs; r++) {
            long c0 = cpuTimeOfAllThreads(), t0 = System.nanoTime();
            body.run();
            long ns = System.nanoTime() - t0, cns = cpuTimeOfAllThreads() - c0;
            best = Math.max(best, flops / ns);
            bestMs = Math.min(bestMs, ns / 1e6);
            // per-CPU-second × threads: the rate the threads would reach with the cores to themselves
            if (cns > 0) bestCpu = Math.max(bestCpu, flops / cns * threads());
        }
        return new Rate(best, bestCpu, bestMs);
    }

    private static long cpuTimeOfAllThreads() {
        var mx = ManagementFactory.getThreadMXBean();
        long s = 0;
        for (long id : mx.getAllThreadIds()) {
            long v = mx.getThreadCpuTime(id);
            if (v > 0) s += v;
        }
        return s;
    }

    /** Loop iterations per call: short calls get the loops compiled normally rather than on-stack-replaced. */
    private static final int CHUNK = 100_000;

    private static float chain(int iterations) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f), a = FloatVector.broadcast(S, 1e-7f), v = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < iterations; i++) v = v.fma(m, a);
        return v.reduceLanes(VectorOperators.ADD);
    }

    private static float fmaChains(int iterations, float seed) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f), a = FloatVector.broadcast(S, 1e-7f);
        FloatVector v0 = FloatVector.broadcast(S, seed), v1 = v0.add(1), v2 = v0.add(2), v3 = v0.add(3), v4 = v0.add(4),
                v5 = v0.add(5), v6 = v0.add(6), v7 = v0.add(7), v8 = v0.add(8), v9 = v0.add(9);
        for (int i = 0; i < iterations; i++) {
            v0 = v0.fma(m, a); v1 = v1.fma(m, a); v2 = v2.fma(m, a); v3 = v3.fma(m, a); v4 = v4.fma(m, a);
            v5 = v5.fma(m, a); v6 = v6.fma(m, a); v7 = v7.fma(m, a); v8 = v8.fma(m, a); v9 = v9.fma(m, a);
        }
        return v0.add(v1).add(v2).add(v3).add(v4).add(v5).add(v6).add(v7).add(v8).add(v9).reduceLanes(VectorOperators.ADD);
    }
}
