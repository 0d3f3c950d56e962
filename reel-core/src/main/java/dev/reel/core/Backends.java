package dev.reel.core;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Finds the {@link Backend} of a device through the {@link BackendProvider}s on the class path
 * ({@link ServiceLoader}): reel-core's CPU provider, reel-cuda's CUDA provider. Backends are made once per
 * (device, {@link SystemOptions}) and cached, so the edge (CLI, server) builds one {@code SystemOptions} and
 * every {@code Backends.of(device, options)} with it returns the same backend.
 */
public final class Backends {
    private record Key(Device device, SystemOptions options) {}

    private static final Map<Key, Backend> CACHE = new ConcurrentHashMap<>();
    private static final List<BackendProvider> PROVIDERS = ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get).toList();
    private static final AtomicBoolean FALLBACK_SAID = new AtomicBoolean();

    private Backends() {}

    /** The CPU backend. */
    public static Backend cpu() { return of(Device.CPU); }

    /** The backend of {@code device} with {@link SystemOptions#defaults()}. */
    public static Backend of(Device device) { return of(device, SystemOptions.defaults()); }

    /**
     * The backend of {@code device} configured by {@code options} (attention choice, convolution path, cache and
     * library folders); throws a {@link ReelException} naming the device if no provider can run it.
     */
    public static Backend of(Device device, SystemOptions options) {
        Key key = new Key(device, options);
        Backend b = CACHE.get(key);
        if (b != null) return b;
        return CACHE.computeIfAbsent(key, k -> provider(device).create(device, options));
    }

    private static BackendProvider provider(Device device) {
        for (BackendProvider p : PROVIDERS) if (p.type() == device.type()) return p;
        throw new ReelException("no backend for device " + device + (device.type() == Device.Type.CUDA ? " (is reel-cuda on the class path?)" : ""));
    }

    /** {@link #preferred(SystemOptions, Consumer)} with {@link SystemOptions#defaults()}. */
    public static Device preferred(Consumer<String> notice) { return preferred(SystemOptions.defaults(), notice); }

    /**
     * The device to use when the user named none: the first CUDA device when one is usable, else the CPU. The
     * fallback is told to {@code notice} once per process, so a user without a GPU learns why Reel runs on the CPU.
     */
    public static Device preferred(SystemOptions options, Consumer<String> notice) {
        if (available(Device.Type.CUDA, options)) return Device.cuda(0);
        if (FALLBACK_SAID.compareAndSet(false, true)) {
            notice.accept("no usable CUDA device (driver or CUDA libraries not found, or no GPU); running on the CPU");
        }
        return Device.CPU;
    }

    /** {@link #available(Device.Type, SystemOptions)} with {@link SystemOptions#defaults()}. */
    public static boolean available(Device.Type type) { return available(type, SystemOptions.defaults()); }

    /** True if a backend of this type is on the class path and reports a usable device. */
    public static boolean available(Device.Type type, SystemOptions options) {
        return unavailableReason(type, options) == null;
    }

    /** Why no device of {@code type} is usable (for the user), or null when one is. */
    public static String unavailableReason(Device.Type type, SystemOptions options) {
        for (BackendProvider p : PROVIDERS) {
            if (p.type() == type) return p.unavailableReason(options);
        }
        return "no " + type.name().toLowerCase(java.util.Locale.ROOT) + " backend on the class path" + (type == Device.Type.CUDA ? " (reel-cuda)" : "");
    }
}
