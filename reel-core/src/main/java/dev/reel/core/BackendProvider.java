package dev.reel.core;

/** Service interface an accelerator module implements so {@link Backends} can find it. */
public interface BackendProvider {
    /** The device kind this provider serves. */
    Device.Type type();

    /** True if the device's libraries load and at least one device exists. */
    boolean available();

    /** Creates the backend for one device. */
    Backend create(Device device);
}
