package dev.reel.core.cpu;

import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.DeviceOutOfMemoryException;
import dev.reel.core.ReelException;
import dev.reel.core.Storage;

/**
 * Host memory as Java arrays: {@code float[]} for F32 (the CPU compute type), {@code short[]} for BF16/F16,
 * {@code long[]} for I64, {@code int[]} for I32 and {@code byte[]} for 8-bit types. Freeing drops the array
 * so the memory is released at once and any later use fails loudly.
 */
public final class CpuStorage extends Storage {
    /** Largest element count of one CPU tensor (Java array limit). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;

    private Object array;

    private CpuStorage(DType dtype, long elements, Object array) {
        super(dtype, elements);
        this.array = array;
    }

    /** Allocates zeroed memory. */
    public static CpuStorage allocate(DType dtype, long elements) {
        if (elements > MAX_ELEMENTS) throw new ReelException("CPU tensor of " + elements + " elements exceeds the limit of " + MAX_ELEMENTS);
        int n = (int) elements;
        try {
            Object a = switch (dtype) {
                case F32 -> new float[n];
                case BF16, F16 -> new short[n];
                case I64 -> new long[n];
                case I32 -> new int[n];
                case F8_E4M3, U8 -> new byte[n];
            };
            return new CpuStorage(dtype, elements, a);
        } catch (OutOfMemoryError e) {
            long bytes = elements * dtype.byteSize();
            Runtime rt = Runtime.getRuntime();
            long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            throw new DeviceOutOfMemoryException("CPU out of memory: could not allocate " + DeviceOutOfMemoryException.size(bytes)
                    + " for a " + dtype + " tensor of " + elements + " elements; the Java heap has about "
                    + DeviceOutOfMemoryException.size(free) + " free of its " + DeviceOutOfMemoryException.size(rt.maxMemory()) + " maximum", bytes, e);
        }
    }

    /** Wraps an existing float array (not copied). */
    public static CpuStorage wrap(float[] data) {
        return new CpuStorage(DType.F32, data.length, data);
    }

    @Override public Device device() { return Device.CPU; }

    /** The F32 array; throws if this storage is not F32 or was freed. */
    public float[] floats() {
        checkLive();
        if (!(array instanceof float[] f)) throw new ReelException("CPU op needs an F32 tensor, got " + dtype() + " (cast with to(DType.F32))");
        return f;
    }

    /** The 16-bit array (BF16/F16). */
    public short[] shorts() {
        checkLive();
        return (short[]) array;
    }

    /** The raw array of any dtype. */
    public Object array() {
        checkLive();
        return array;
    }

    @Override protected void release() { array = null; }
}
