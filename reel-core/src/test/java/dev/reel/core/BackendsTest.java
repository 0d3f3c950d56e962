package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.cpu.CpuBackend;
import dev.reel.core.cpu.CpuBackendProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** reel-core alone has no accelerator backend on its class path: the CPU is chosen, and the user told once. */
class BackendsTest {
    @Test
    void withoutCudaTheCpuRunsAndSaysSoOnce() {
        assertFalse(Backends.available(Device.Type.CUDA));
        assertNotNull(Backends.unavailableReason(Device.Type.CUDA, SystemOptions.defaults()));
        List<String> said = new ArrayList<>();
        assertEquals(Device.CPU, Backends.preferred(said::add));
        assertEquals(Device.CPU, Backends.preferred(said::add));
        assertEquals(1, said.size(), "the fallback is told once per process");
        assertTrue(said.get(0).contains("running on the CPU"), said.get(0));
    }

    @Test
    void cpuBackendIsAServiceLikeAnyOtherAndCudaNamesWhatIsMissing() {
        boolean found = false;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) found |= p instanceof CpuBackendProvider;
        assertTrue(found, "META-INF/services must register CpuBackendProvider");
        assertSame(Backends.cpu(), Backends.of(Device.CPU));
        assertSame(CpuBackend.instance(), Backends.of(Device.CPU, SystemOptions.defaults().withAttention(AttentionBackend.FLASH)));
        ReelException e = assertThrows(ReelException.class, () -> Backends.of(Device.cuda(0)));
        assertTrue(e.getMessage().contains("no backend for device cuda:0"), e.getMessage());
    }

    @Test
    void tensorsRunOnTheBackendThatMadeThem() {
        Tensor t = Backends.cpu().zeros(DType.F32, 2, 3);
        assertSame(Backends.cpu(), t.backend());
        assertSame(Backends.cpu(), t.transpose(0, 1).backend(), "views share their storage's backend");
    }

    @Test
    void unknownConvolutionPathIsRefusedByName() {
        ReelException e = assertThrows(ReelException.class, () -> SystemOptions.defaults().withConvolution("winograd"));
        assertTrue(e.getMessage().contains("'winograd'") && e.getMessage().contains("auto, im2col"), e.getMessage());
    }
}
