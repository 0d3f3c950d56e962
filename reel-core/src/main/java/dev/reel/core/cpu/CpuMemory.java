package dev.reel.core.cpu;

import dev.reel.core.MemoryStats;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes held by live CPU tensors: counted when a {@link CpuStorage} is made, uncounted when it is freed or
 * collected. The CPU backend's {@link dev.reel.core.Backend#memoryStats()} reads it.
 */
final class CpuMemory {
    private static final AtomicLong IN_USE = new AtomicLong();
    private static final AtomicLong PEAK = new AtomicLong();

    private CpuMemory() {}

    static void allocated(long bytes) {
        long now = IN_USE.addAndGet(bytes);
        PEAK.accumulateAndGet(now, Math::max);
    }

    static void released(long bytes) { IN_USE.addAndGet(-bytes); }

    /** In use and peak; the CPU reserves nothing beyond what tensors hold (the JVM's heap is not counted). */
    static MemoryStats stats() {
        long now = IN_USE.get();
        return new MemoryStats(now, Math.max(now, PEAK.get()), now);
    }

    static void resetPeak() { PEAK.set(IN_USE.get()); }
}
