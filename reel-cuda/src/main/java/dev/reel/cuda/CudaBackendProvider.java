package dev.reel.cuda;

import dev.reel.core.Backend;
import dev.reel.core.BackendProvider;
import dev.reel.core.Device;
import dev.reel.core.SystemOptions;

/**
 * Registers the CUDA backend with {@link dev.reel.core.Backends} (META-INF/services). Use it through
 * {@code Backends.of(Device.cuda(n), options)}: the edge (CLI, server) builds one {@link SystemOptions} and passes
 * it; {@link SystemOptions#libraryPath()} is searched first for libcuda, NVRTC, cuBLASLt and cuDNN (loaded once
 * per process), {@link SystemOptions#cacheDir()}{@code /cubin} holds the compiled kernels,
 * {@link SystemOptions#attention()} and {@link SystemOptions#convolution()} choose the kernels of the backend made.
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override public Device.Type type() { return Device.Type.CUDA; }

    /** True if libcuda loads, initialises and reports at least one device; never throws. */
    @Override public boolean available(SystemOptions options) { return unavailableReason(options) == null; }

    /** Why {@link #available} is false, or null when CUDA is usable. */
    @Override public String unavailableReason(SystemOptions options) {
        try {
            return CudaDriver.get(options.libraryPath()).deviceCount() > 0 ? null : "the CUDA driver reports no devices";
        } catch (RuntimeException | LinkageError e) {
            return e.getMessage();
        }
    }

    @Override public Backend create(Device device, SystemOptions options) { return new CudaBackend(device, options); }
}
