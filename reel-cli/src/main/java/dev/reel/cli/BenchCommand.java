package dev.reel.cli;

import dev.reel.core.ReelException;
import dev.reel.testkit.CpuBenchmarks.Rate;
import dev.reel.testkit.CpuBenchmarks;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reel bench cpu}: fp32 peak, GEMM and attention throughput of the CPU backend. */
@Command(name = "bench", description = "Measure backend throughput (target: cpu).",
        subcommands = {BenchDitCommand.class, BenchVaeCommand.class, BenchUmt5Command.class, BenchTrainCommand.class, BenchCacheCommand.class, BenchLoadCommand.class})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "What to measure: cpu.", defaultValue = "cpu")
    String target;

    @Option(names = "--runs", description = "Timed runs per figure; the best is reported (default: ${DEFAULT-VALUE}).", defaultValue = "5")
    int runs;

    @Option(names = "--gemm", description = "GEMM size n for n×n·n×n (default: ${DEFAULT-VALUE}).", defaultValue = "1024")
    int gemmSize;

    @Option(names = "--seq", description = "Attention sequence length (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    int seq;

    @Option(names = "--head-dim", description = "Attention head dim (default: ${DEFAULT-VALUE}).", defaultValue = "128")
    int headDim;

    @Option(names = "--heads", split = ",", description = "Attention head counts to run (default: ${DEFAULT-VALUE}).", defaultValue = "1,12")
    int[] heads;

    @Override public Integer call() {
        if (!"cpu".equals(target)) throw new ReelException("bench target '" + target + "' is not known; allowed: cpu");
        if (runs < 1) throw new ReelException("--runs must be >= 1, got " + runs);
        System.out.printf("CPU: %d threads, %d fp32 lanes per vector; best of %d runs (other processes may share the cores;%n"
                + "  'per CPU-s' = FLOP per CPU-second of the working threads × threads, undiluted by time-sharing)%n",
                CpuBenchmarks.threads(), CpuBenchmarks.lanes(), runs);
        double clock = CpuBenchmarks.clockGhz(Math.max(5, runs));
        double peak = CpuBenchmarks.peakGflops(clock);
        System.out.printf("clock     %.2f GHz (dependent-FMA chain × %d-cycle latency)%n", clock, CpuBenchmarks.FMA_LATENCY);
        System.out.printf("peak      %.1f GFLOP/s = %d threads × %d FMA pipes × %d lanes × 2 FLOP × %.2f GHz%n",
                peak, CpuBenchmarks.threads(), CpuBenchmarks.FMA_PIPES, CpuBenchmarks.lanes(), clock);
        Rate fma = CpuBenchmarks.fmaLoop(runs);
        System.out.printf("FMA loop  %.1f GFLOP/s wall, %.1f per CPU-s (%.0f%% of peak)%n", fma.gflops(), fma.gflopsPerCpu(), 100 * fma.gflopsPerCpu() / peak);
        Rate g = CpuBenchmarks.gemm(gemmSize, runs);
        System.out.printf("GEMM %d³  %.1f GFLOP/s wall (%.1f ms, %.0f%% of peak), %.1f per CPU-s (%.0f%% of peak)%n",
                gemmSize, g.gflops(), g.bestMillis(), 100 * g.gflops() / peak, g.gflopsPerCpu(), 100 * g.gflopsPerCpu() / peak);
        for (int h : heads) {
            Rate a = CpuBenchmarks.attention(1, h, seq, headDim, runs);
            System.out.printf("attention B=1 H=%d L=%d D=%d  %.1f GFLOP/s wall (%.1f ms), %.1f per CPU-s (%.0f%% of peak)%n",
                    h, seq, headDim, a.gflops(), a.bestMillis(), a.gflopsPerCpu(), 100 * a.gflopsPerCpu() / peak);
        }
        return 0;
    }
}
