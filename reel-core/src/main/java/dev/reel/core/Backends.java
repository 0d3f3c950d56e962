package dev.reel.core;

import dev.reel.core.cpu.CpuBackend;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the {@link Backend} of a device. The CPU backend is built in; accelerator backends (reel-cuda) are
 * found with {@link ServiceLoader} through {@link BackendProvider}.
 */
public final class Backends {
    private static final Map<Device, Backend> CACHE = new ConcurrentHashMap<>();

    private Backends() {}

    /** The CPU backend. */
    public static Backend cpu() { return of(Device.CPU); }

    /** The backend of {@code device}; throws a {@link ReelException} naming the device if none can run it. */
    public static Backend of(Device device) {
        Backend b = CACHE.get(device);
        if (b != null) return b;
        return CACHE.computeIfAbsent(device, Backends::create);
    }

    private static Backend create(Device device) {
        if (device.type() == Device.Type.CPU) return CpuBackend.instance();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.type() == device.type()) return p.create(device);
        }
        throw new ReelException("no backend for device " + device + " (is reel-cuda on the class path?)");
    }

    /** True if an accelerator backend of this type is on the class path and reports a usable device. */
    public static boolean available(Device.Type type) {
        if (type == Device.Type.CPU) return true;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.type() == type && p.available()) return true;
        }
        return false;
    }
}
