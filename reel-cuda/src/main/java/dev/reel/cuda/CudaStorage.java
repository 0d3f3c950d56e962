package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Storage;
import java.lang.ref.Cleaner;

/**
 * Device memory from the backend's stream-ordered pool. {@link #release()} returns it with
 * {@code cuMemFreeAsync} on the backend's stream, so freeing never waits for the GPU. Storage that is never
 * freed explicitly (made outside any {@link dev.reel.core.Scope}) is returned once it becomes unreachable.
 */
public final class CudaStorage extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaBackend backend;
    private final long ptr;
    private final Cleaner.Cleanable cleanable;

    CudaStorage(CudaBackend backend, DType dtype, long elements, long ptr) {
        super(dtype, elements);
        this.backend = backend;
        this.ptr = ptr;
        this.cleanable = ptr == 0 ? null : CLEANER.register(this, new Release(backend, ptr));
    }

    /** The device address of element 0. */
    public long address() {
        checkLive();
        return ptr;
    }

    @Override public Device device() { return backend.device(); }

    @Override protected void release() {
        if (cleanable != null) cleanable.clean();
    }

    /** Frees without referencing the storage, so the cleaner can run it after the storage is gone. */
    private record Release(CudaBackend backend, long ptr) implements Runnable {
        @Override public void run() { backend.free(ptr); }
    }
}
