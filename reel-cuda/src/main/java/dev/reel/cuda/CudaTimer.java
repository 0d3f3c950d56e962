package dev.reel.cuda;

import java.lang.foreign.MemorySegment;

/** Times GPU work on a backend's stream with CUDA events: {@code start()}, queue work, {@code stopMs()}. */
public final class CudaTimer implements AutoCloseable {
    private final CudaBackend backend;
    private final MemorySegment start, end;

    CudaTimer(CudaBackend backend) {
        this.backend = backend;
        this.start = backend.cu.createEvent();
        this.end = backend.cu.createEvent();
    }

    /** Records the start event. */
    public CudaTimer start() {
        backend.bind();
        backend.cu.record(start, backend.stream);
        return this;
    }

    /** Records the end event, waits for it and returns the milliseconds between the two events. */
    public float stopMs() {
        backend.bind();
        backend.cu.record(end, backend.stream);
        backend.cu.eventSynchronize(end);
        return backend.cu.elapsedMs(start, end);
    }

    @Override public void close() {
        backend.bind();
        backend.cu.destroyEvent(start);
        backend.cu.destroyEvent(end);
    }
}
