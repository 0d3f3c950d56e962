package dev.reel.cuda;

import dev.reel.core.Backend;
import dev.reel.core.BackendProvider;
import dev.reel.core.Device;

/** Registers the CUDA backend with {@link dev.reel.core.Backends} (META-INF/services). */
public final class CudaBackendProvider implements BackendProvider {
    @Override public Device.Type type() { return Device.Type.CUDA; }

    /** True if libcuda loads, initialises and reports at least one device; never throws. */
    @Override public boolean available() {
        try {
            return CudaDriver.get().deviceCount() > 0;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Why {@link #available()} is false, or null when CUDA is usable. */
    public static String unavailableReason() {
        try {
            return CudaDriver.get().deviceCount() > 0 ? null : "the CUDA driver reports no devices";
        } catch (RuntimeException | LinkageError e) {
            return e.getMessage();
        }
    }

    @Override public Backend create(Device device) { return new CudaBackend(device); }
}
