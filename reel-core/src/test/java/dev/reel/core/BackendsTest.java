package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** reel-core alone has no accelerator backend on its class path: the CPU is chosen, and the user told once. */
class BackendsTest {
    @Test
    void withoutCudaTheCpuRunsAndSaysSoOnce() {
        assertFalse(Backends.available(Device.Type.CUDA));
        List<String> said = new ArrayList<>();
        assertEquals(Device.CPU, Backends.preferred(said::add));
        assertEquals(Device.CPU, Backends.preferred(said::add));
        assertEquals(1, said.size(), "the fallback is told once per process");
        assertTrue(said.get(0).contains("running on the CPU"), said.get(0));
    }

    @Test
    void cpuBackendIsBuiltInAndCudaNamesWhatIsMissing() {
        assertSame(Backends.cpu(), Backends.of(Device.CPU));
        ReelException e = assertThrows(ReelException.class, () -> Backends.of(Device.cuda(0)));
        assertTrue(e.getMessage().contains("no backend for device cuda:0"), e.getMessage());
    }
}
