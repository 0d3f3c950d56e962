package dev.reel.cuda;

import java.lang.foreign.MemorySegment;

/** A captured sequence of GPU work (see {@link CudaBackend#capture}), replayed with one launch. */
public final class CudaGraph implements AutoCloseable {
    private final CudaDevice device;
    private final MemorySegment graph, exec;
    private boolean closed;

    CudaGraph(CudaDevice device, MemorySegment graph, MemorySegment exec) {
        this.device = device;
        this.graph = graph;
        this.exec = exec;
    }

    /** Queues one replay on the device's stream. */
    public void replay() {
        if (closed) throw new IllegalStateException("graph was closed");
        device.bind();
        device.cu.launchGraph(exec, device.stream);
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        device.synchronize();
        device.cu.destroyGraph(exec, graph);
    }
}
