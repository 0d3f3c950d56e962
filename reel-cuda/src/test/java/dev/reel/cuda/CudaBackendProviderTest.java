package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.BackendProvider;
import dev.reel.core.Backends;
import dev.reel.core.Device;
import dev.reel.core.SystemOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Runs everywhere: the provider is registered, and without CUDA it reports unavailable instead of failing. */
class CudaBackendProviderTest {
    @Test
    void providerIsRegisteredAsAService() {
        boolean found = false;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) found |= p instanceof CudaBackendProvider;
        assertTrue(found, "META-INF/services must register CudaBackendProvider");
    }

    @Test
    void availabilityNeverThrows() {
        CudaBackendProvider p = new CudaBackendProvider();
        assertEquals(Device.Type.CUDA, p.type());
        boolean available = p.available(SystemOptions.defaults());
        assertEquals(available, Backends.available(Device.Type.CUDA));
        if (!available) {
            String why = p.unavailableReason(SystemOptions.defaults());
            assertNotNull(why);
            System.out.println("CUDA not available here (as expected on CPU CI): " + why);
        }
    }

    @Test
    void missingLibraryIsReportedByName() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(CudaUnavailableException.class,
                () -> NativeLibrary.load("Example", List.of(Path.of("/opt/reel-libs")), "libreel-does-not-exist.so.1"));
        assertTrue(e.getMessage().contains("libreel-does-not-exist.so.1"), e.getMessage());
        assertTrue(e.getMessage().contains("/opt/reel-libs"), "the library path's folders are named first: " + e.getMessage());
    }

    @Test
    void elementwiseLayoutsCoalesce() {
        // [2, 3, 4] contiguous + a [1, 3, 1] broadcast: out and a merge nothing across the broadcast dims
        Strided s = Strided.of("t", new int[] {2, 3, 4}, new long[] {12, 4, 1}, new long[] {0, 1, 0});
        assertEquals(3, s.rank());
        Strided c = Strided.of("t", new int[] {2, 3, 4}, new long[] {12, 4, 1}, new long[] {12, 4, 1});
        assertEquals(1, c.rank());
        assertEquals(24, c.size()[0]);
        Strided one = Strided.of("t", new int[] {1, 1}, new long[] {1, 1});
        assertEquals(1, one.rank());
    }

    @Test
    void gemmAlignmentIsTheLargestCommonPowerOfTwo() {
        assertEquals(256, CublasLt.alignment(0, 512, 1024));
        assertEquals(16, CublasLt.alignment(256, 48));
        assertEquals(2, CublasLt.alignment(2 * 1535));
    }
}
