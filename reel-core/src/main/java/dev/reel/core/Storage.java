package dev.reel.core;

/**
 * Memory of one device that tensors view. A storage registers with the innermost open {@link Scope} of the
 * thread that made it and is freed when that scope closes, unless kept. Storage made outside any scope
 * (weights, for example) lives until {@link #free()} or, on the CPU, until it is unreachable.
 */
public abstract class Storage {
    private final Backend backend;
    private final DType dtype;
    private final long elements;
    private volatile boolean freed;

    /**
     * @param backend  the backend that made this memory; it runs every op on tensors viewing it
     * @param dtype    element type
     * @param elements number of elements
     */
    protected Storage(Backend backend, DType dtype, long elements) {
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
        this.dtype = dtype;
        this.elements = elements;
        Scope.register(this);
    }

    /** The backend that made this memory and runs the ops of the tensors that view it. */
    public Backend backend() { return backend; }

    /** The device that holds this memory. */
    public Device device() { return backend.device(); }

    /** Element type of the memory. */
    public DType dtype() { return dtype; }

    /** Number of elements. */
    public long elements() { return elements; }

    /** Size in bytes. */
    public long byteSize() { return elements * dtype.byteSize(); }

    /** True once freed; any use afterwards is an error. */
    public boolean isFreed() { return freed; }

    /** Releases the memory now; idempotent. */
    public final void free() {
        if (freed) return;
        freed = true;
        release();
    }

    /** Device-specific release. */
    protected abstract void release();

    /** Throws if freed (use-after-free guard). */
    public void checkLive() {
        if (freed) throw new ReelException("tensor storage was already freed by its scope (use after free)");
    }
}
