package dev.reel.core;

/**
 * Memory of one device as its backend counts it, in bytes.
 *
 * @param inUseBytes    held by live tensors now
 * @param peakBytes     the most {@code inUseBytes} reached since the backend started or since
 *                      {@link Backend#resetPeakMemory()}
 * @param reservedBytes held from the system by the backend's allocator (in use or cached for reuse);
 *                      equal to {@code inUseBytes} where the backend caches nothing
 */
public record MemoryStats(long inUseBytes, long peakBytes, long reservedBytes) {
    private static final double GIB = 1024.0 * 1024 * 1024;

    /** {@link #peakBytes} in GiB, as benchmarks print it. */
    public double peakGiB() { return peakBytes / GIB; }

    /** {@link #inUseBytes} in GiB. */
    public double inUseGiB() { return inUseBytes / GIB; }
}
