package dev.reel.core;

/**
 * Service interface a backend module implements so {@link Backends} can find it with
 * {@link java.util.ServiceLoader} (a {@code META-INF/services/dev.reel.core.BackendProvider} entry). reel-core
 * registers the CPU's; reel-cuda registers CUDA's.
 */
public interface BackendProvider {
    /** The device kind this provider serves. */
    Device.Type type();

    /**
     * True if the device's libraries load (searching {@link SystemOptions#libraryPath()} too) and at least one
     * device exists; never throws.
     */
    boolean available(SystemOptions options);

    /** Why {@link #available} is false (for the user), or null when it is true. */
    default String unavailableReason(SystemOptions options) {
        return available(options) ? null : "no usable " + type().name().toLowerCase(java.util.Locale.ROOT) + " device";
    }

    /**
     * Creates the backend of one device with these system options. {@link Backends} calls it once per
     * (device, options) pair and caches the result.
     */
    Backend create(Device device, SystemOptions options);
}
