package dev.reel.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.DType;
import dev.reel.core.DeviceOutOfMemoryException;
import org.junit.jupiter.api.Test;

class CpuStorageTest {
    @Test
    void anAllocationTheHeapCannotHoldSaysHowMuchAndWhatIsFree() {
        long max = Runtime.getRuntime().maxMemory();
        // the largest CPU tensor (8 GiB of fp32) is more than the test JVM's heap (4 GiB)
        org.junit.jupiter.api.Assumptions.assumeTrue(max < CpuStorage.MAX_ELEMENTS * 4, "the heap is large enough to hold it");
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> CpuStorage.allocate(DType.F32, CpuStorage.MAX_ELEMENTS));
        assertEquals(CpuStorage.MAX_ELEMENTS * 4, e.requestedBytes());
        assertTrue(e.getMessage().startsWith("CPU out of memory: could not allocate 8.0 GiB for a F32 tensor of " + CpuStorage.MAX_ELEMENTS + " elements; the Java heap has about "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" maximum"), e.getMessage());
    }
}
