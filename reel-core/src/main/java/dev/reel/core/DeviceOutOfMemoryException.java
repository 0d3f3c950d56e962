package dev.reel.core;

/**
 * A device (the CPU's Java heap or a GPU) could not satisfy an allocation. The message names the size asked for
 * and what was available; the CLI adds what to try.
 */
public class DeviceOutOfMemoryException extends ReelException {
    private final long requestedBytes;

    public DeviceOutOfMemoryException(String message, long requestedBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
    }

    public DeviceOutOfMemoryException(String message, long requestedBytes, Throwable cause) {
        super(message, cause);
        this.requestedBytes = requestedBytes;
    }

    /** The size of the allocation that failed, in bytes. */
    public long requestedBytes() { return requestedBytes; }

    /** "1.5 GiB", "320.0 MiB": sizes as the messages write them. */
    public static String size(long bytes) {
        if (bytes >= 1L << 30) return String.format("%.1f GiB", bytes / (double) (1L << 30));
        return String.format("%.1f MiB", bytes / (double) (1L << 20));
    }
}
