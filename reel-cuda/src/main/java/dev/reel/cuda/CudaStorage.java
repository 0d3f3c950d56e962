package dev.reel.cuda;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Storage;
import java.lang.ref.Cleaner;

/**
 * Device memory from a {@link CudaDevice}'s stream-ordered pool. {@link #release()} returns it with
 * {@code cuMemFreeAsync} on the device's stream, so freeing never waits for the GPU. Storage that is never
 * freed explicitly (made outside any {@link dev.reel.core.Scope}) is returned once it becomes unreachable.
 */
public final class CudaStorage extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaDevice device;
    private final long ptr;
    private final Cleaner.Cleanable cleanable;

    CudaStorage(Backend owner, CudaDevice device, DType dtype, long elements, long ptr) {
        this(owner, device, dtype, elements, ptr, true);
    }

    private CudaStorage(Backend owner, CudaDevice device, DType dtype, long elements, long ptr, boolean owned) {
        super(owner, dtype, elements);
        this.device = device;
        this.ptr = ptr;
        this.cleanable = ptr == 0 || !owned ? null : CLEANER.register(this, new Release(device, ptr));
    }

    /** A view of device memory someone else owns and frees (a {@link CudaWeightStreamer}'s slot); freeing it does nothing. */
    static CudaStorage borrowed(Backend owner, CudaDevice device, DType dtype, long elements, long ptr) {
        return new CudaStorage(owner, device, dtype, elements, ptr, false);
    }

    /** The device address of element 0. */
    public long address() {
        checkLive();
        return ptr;
    }

    /** The GPU holding the memory. */
    CudaDevice cudaDevice() { return device; }

    @Override protected void release() {
        if (cleanable != null) cleanable.clean();
    }

    /** Frees without referencing the storage, so the cleaner can run it after the storage is gone. */
    private record Release(CudaDevice device, long ptr) implements Runnable {
        @Override public void run() { device.free(ptr); }
    }
}
