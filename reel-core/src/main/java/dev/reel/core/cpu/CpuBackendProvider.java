package dev.reel.core.cpu;

import dev.reel.core.Backend;
import dev.reel.core.BackendProvider;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;

/** Registers the CPU backend with {@link dev.reel.core.Backends} (META-INF/services), like any other backend. */
public final class CpuBackendProvider implements BackendProvider {
    @Override public Device.Type type() { return Device.Type.CPU; }

    /** The CPU is always there. */
    @Override public boolean available(SystemOptions options) { return true; }

    /** The single CPU backend: none of the system options changes how the CPU computes. */
    @Override public Backend create(Device device, SystemOptions options) {
        if (device.type() != Device.Type.CPU) throw new ReelException("the CPU provider cannot run " + device);
        return CpuBackend.instance();
    }
}
