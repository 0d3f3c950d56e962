package dev.reel.cuda;

import java.lang.foreign.MemorySegment;

/** A captured sequence of GPU work (see {@link CudaBackend#capture}), replayed with one launch. */
public final class CudaGraph implements AutoCloseable {
    private final CudaBackend backend;
    private final MemorySegment graph, exec;
    private boolean closed;

    CudaGraph(CudaBackend backend, MemorySegment graph, MemorySegment exec) {
        this.backend = backend;
        this.graph = graph;
        this.exec = exec;
    }

    /** Queues one replay on the backend's stream. */
    public void replay() {
        if (closed) throw new IllegalStateException("graph was closed");
        backend.bind();
        backend.cu.launchGraph(exec, backend.stream);
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        backend.synchronize();
        backend.cu.destroyGraph(exec, graph);
    }
}
