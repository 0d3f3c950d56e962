package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Device;
import dev.reel.core.dist.Communicators;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Where libnccl cannot be found, a GPU plan stops with a typed error that says what is missing and what it is for. */
class NcclAbsentTest {
    @Test
    void aMissingNcclIsAClearTypedError() {
        boolean present;
        try {
            NativeLibrary.load("NCCL", java.util.List.of(), "libnccl.so.2", "libnccl.so");
            present = true;
        } catch (CudaUnavailableException e) {
            present = false;
        }
        Assumptions.assumeFalse(present, "libnccl is installed here: nothing to check");
        var e = assertThrows(CudaUnavailableException.class, () -> Communicators.group(List.of(Device.cuda(0))));
        assertTrue(e.getMessage().startsWith("NCCL library not found: tried libnccl.so.2, libnccl.so"), e.getMessage());
        assertTrue(e.getMessage().contains("NCCL is what --parallel runs on with GPUs"), e.getMessage());
    }
}
