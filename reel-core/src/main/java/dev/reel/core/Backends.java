package dev.reel.core;

import dev.reel.core.cpu.CpuBackend;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Finds the {@link Backend} of a device. The CPU backend is built in; accelerator backends (reel-cuda) are
 * found with {@link ServiceLoader} through {@link BackendProvider}.
 */
public final class Backends {
    private static final Map<Device, Backend> CACHE = new ConcurrentHashMap<>();
    private static final AtomicBoolean FALLBACK_SAID = new AtomicBoolean();

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

    /**
     * The device to use when the user named none: the first CUDA device when one is usable, else the CPU. The
     * fallback is told to {@code notice} once per process, so a user without a GPU learns why Reel runs on the CPU.
     */
    public static Device preferred(Consumer<String> notice) {
        if (available(Device.Type.CUDA)) return Device.cuda(0);
        if (FALLBACK_SAID.compareAndSet(false, true)) {
            notice.accept("no usable CUDA device (driver or CUDA libraries not found, or no GPU); running on the CPU");
        }
        return Device.CPU;
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
