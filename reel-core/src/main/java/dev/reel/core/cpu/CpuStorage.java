package dev.reel.core.cpu;

import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Storage;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host memory as Java arrays: {@code float[]} for F32 (the CPU compute type), {@code short[]} for BF16/F16,
 * {@code long[]} for I64, {@code int[]} for I32 and {@code byte[]} for 8-bit types. Freeing drops the array
 * so the memory is released at once and any later use fails loudly. Every storage's bytes are counted in
 * {@link CpuMemory} until it is freed or collected.
 */
public final class CpuStorage extends Storage {
    /** Largest element count of one CPU tensor (Java array limit). */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 16;

    private static final Cleaner CLEANER = Cleaner.create();
    /**
     * Bytes of CPU storages made and not yet freed explicitly (weights included): what a GPU pool would still hold.
     * Unlike {@link CpuMemory}'s count, storages the garbage collector reclaims stay counted, so a leak of
     * unfreed tensors shows as growth however the collector runs.
     */
    private static final AtomicLong LIVE_BYTES = new AtomicLong();

    private Object array;
    private final Cleaner.Cleanable counted;

    private CpuStorage(DType dtype, long elements, Object array) {
        super(CpuBackend.instance(), dtype, elements);
        this.array = array;
        long bytes = elements * dtype.byteSize();
        CpuMemory.allocated(bytes);
        this.counted = CLEANER.register(this, () -> CpuMemory.released(bytes));
        LIVE_BYTES.addAndGet(byteSize());
    }

    /**
     * Bytes held by CPU storages that were made and not yet {@link #free() freed}, whether or not the garbage
     * collector could take them: storage that leaks on a GPU (no collector there) counts here too.
     */
    public static long liveBytes() { return LIVE_BYTES.get(); }

    /** Allocates zeroed memory. */
    public static CpuStorage allocate(DType dtype, long elements) {
        if (elements > MAX_ELEMENTS) throw new ReelException("CPU tensor of " + elements + " elements exceeds the limit of " + MAX_ELEMENTS);
        int n = (int) elements;
        Object a = switch (dtype) {
            case F32 -> new float[n];
            case BF16, F16 -> new short[n];
            case I64 -> new long[n];
            case I32 -> new int[n];
            case F8_E4M3, U8 -> new byte[n];
        };
        return new CpuStorage(dtype, elements, a);
    }

    /** Wraps an existing float array (not copied). */
    public static CpuStorage wrap(float[] data) {
        return new CpuStorage(DType.F32, data.length, data);
    }

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

    @Override protected void release() {
        array = null;
        counted.clean();
        LIVE_BYTES.addAndGet(-byteSize());
    }
}
