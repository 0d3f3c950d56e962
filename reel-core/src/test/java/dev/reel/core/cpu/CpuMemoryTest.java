package dev.reel.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.DeviceTimer;
import dev.reel.core.MemoryStats;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import org.junit.jupiter.api.Test;

/** The CPU backend's memory statistics follow tensors made and freed; its timer reads the wall clock. */
class CpuMemoryTest {
    private final Backend cpu = Backends.cpu();

    @Test
    void bytesInUseFollowTensorsAndPeakResets() {
        long before = cpu.memoryStats().inUseBytes();
        cpu.resetPeakMemory();
        try (Scope s = Scope.open()) {
            Tensor a = cpu.zeros(DType.F32, 1000, 1000);
            Tensor b = cpu.zeros(DType.BF16, 1000);
            MemoryStats m = cpu.memoryStats();
            // other tests may run in parallel threads of this JVM: bound from below only
            assertTrue(m.inUseBytes() - before >= 4_000_000L + 2_000L, m.toString());
            assertTrue(m.peakBytes() >= m.inUseBytes(), m.toString());
            assertSame(cpu, a.backend());
            assertSame(cpu, b.storage().backend());
        }
        long after = cpu.memoryStats().inUseBytes();
        assertTrue(after - before < 4_000_000L, "the scope freed its tensors: " + before + " → " + after);
        cpu.resetPeakMemory();
        MemoryStats r = cpu.memoryStats();
        assertEquals(r.inUseBytes(), r.peakBytes(), "after a reset the peak is what is in use");
    }

    @Test
    void wallClockTimerMeasuresQueuedWork() throws InterruptedException {
        try (DeviceTimer t = cpu.timer()) {
            t.start();
            Thread.sleep(5);
            assertTrue(t.stopMs() >= 5.0);
        }
    }
}
