package dev.reel.cuda;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.dist.Communicator;
import dev.reel.core.dist.CommunicatorAbortedException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank's NCCL communicator, bound to one GPU's {@link CudaBackend}: every collective is queued on that backend's
 * stream, reading and writing tensors from its memory pool, so it orders with the kernels around it and the host
 * does not wait. One thread drives each rank.
 *
 * <p>A single host makes all its ranks at once with {@link #group} ({@code ncclCommInitAll}). Several hosts use
 * NCCL's own bootstrap: one process calls {@link #uniqueId()}, passes the 128 bytes to the others by any means
 * (a file, an environment variable, the job launcher), and every process calls {@link #initRank} for each of its
 * GPUs with its global rank.
 */
public final class NcclCommunicator implements Communicator {
    private final Nccl nccl;
    private final CudaBackend backend;
    private final CudaDevice dev;
    private final MemorySegment comm;
    private final int rank;
    private final int size;
    private volatile boolean aborted;
    private boolean closed;

    private NcclCommunicator(Nccl nccl, CudaBackend backend, MemorySegment comm, int rank, int size) {
        this.nccl = nccl;
        this.backend = backend;
        this.dev = backend.cudaDevice();
        this.comm = comm;
        this.rank = rank;
        this.size = size;
    }

    /** A group of the local GPUs {@code devices}, rank {@code r} on {@code devices.get(r)} ({@code ncclCommInitAll}). */
    public static List<Communicator> group(List<Device> devices) {
        Nccl nccl = Nccl.get();
        int[] ordinals = new int[devices.size()];
        List<CudaBackend> backends = new ArrayList<>();
        for (int i = 0; i < ordinals.length; i++) {
            ordinals[i] = devices.get(i).index();
            backends.add(backend(devices.get(i)));
        }
        MemorySegment[] comms = nccl.commInitAll(ordinals);
        CudaDevice.forgetCurrentContext();   // NCCL set devices through the runtime on this thread
        List<Communicator> out = new ArrayList<>();
        for (int r = 0; r < comms.length; r++) out.add(new NcclCommunicator(nccl, backends.get(r), comms[r], r, comms.length));
        return out;
    }

    /** A fresh NCCL bootstrap id to hand to every process of a multi-host group (see {@link #initRank}). */
    public static byte[] uniqueId() { return Nccl.get().uniqueId(); }

    /**
     * This process's rank {@code rank} of a group of {@code size} ranks over several hosts, on {@code device}; every
     * rank passes the same {@code uniqueId} (from {@link #uniqueId()} on one of them). Blocks until all have joined.
     */
    public static Communicator initRank(Device device, int size, int rank, byte[] uniqueId) {
        Nccl nccl = Nccl.get();
        CudaBackend b = backend(device);
        b.cudaDevice().bind();
        MemorySegment comm = nccl.commInitRank(size, uniqueId, rank);
        CudaDevice.forgetCurrentContext();
        return new NcclCommunicator(nccl, b, comm, rank, size);
    }

    private static CudaBackend backend(Device d) {
        if (!(Backends.of(d) instanceof CudaBackend b)) throw new ReelException("NCCL needs a CUDA device, got " + d);
        return b;
    }

    /** The NCCL version, e.g. 22703 for 2.27.3. */
    public static int version() { return Nccl.get().version(); }

    @Override public int rank() { return rank; }
    @Override public int size() { return size; }
    @Override public Device device() { return backend.device(); }

    @Override public Tensor allReduceSum(Tensor x) {
        Tensor in = prepare(x);
        Tensor out = backend.empty(x.dtype(), x.shape());
        if (in.numel() > 0) nccl.allReduceSum(dev.addr(in), dev.addr(out), in.numel(), reducible(x.dtype()), comm, dev.stream);
        return out;
    }

    @Override public Tensor allGatherStacked(Tensor x) {
        Tensor in = prepare(x);
        Tensor out = backend.empty(x.dtype(), stacked(x.shape()));
        if (in.numel() > 0) nccl.allGather(dev.addr(in), dev.addr(out), in.numel(), Nccl.type(x.dtype()), comm, dev.stream);
        return out;
    }

    @Override public Tensor allToAllStacked(Tensor x) {
        if (x.rank() == 0 || x.size(0) != size) {
            throw new ShapeException("allToAllStacked", "needs [" + size + ", ...] (one slot per rank), got " + ShapeException.fmt(x.shape()));
        }
        Tensor in = prepare(x);
        Tensor out = backend.empty(x.dtype(), x.shape());
        long slot = in.numel() / size, bytes = slot * x.dtype().byteSize();
        if (slot == 0) return out;
        int type = Nccl.type(x.dtype());
        long send = dev.addr(in), recv = dev.addr(out);
        nccl.groupStart();
        try {
            for (int peer = 0; peer < size; peer++) {
                nccl.send(send + peer * bytes, slot, type, peer, comm, dev.stream);
                nccl.recv(recv + peer * bytes, slot, type, peer, comm, dev.stream);
            }
        } finally {
            nccl.groupEnd();
        }
        return out;
    }

    @Override public Tensor broadcast(Tensor x, int root) {
        checkPeer(root);
        Tensor in = prepare(x);
        Tensor out = backend.empty(x.dtype(), x.shape());
        if (in.numel() > 0) nccl.broadcast(dev.addr(in), dev.addr(out), in.numel(), Nccl.type(x.dtype()), root, comm, dev.stream);
        return out;
    }

    @Override public void send(Tensor x, int peer) {
        checkPeer(peer);
        Tensor in = prepare(x);
        if (in.numel() > 0) nccl.send(dev.addr(in), in.numel(), Nccl.type(x.dtype()), peer, comm, dev.stream);
    }

    @Override public Tensor recv(int peer, DType dtype, int... shape) {
        checkPeer(peer);
        dev.bind();
        Tensor out = backend.empty(dtype, shape);
        if (out.numel() > 0) nccl.recv(dev.addr(out), out.numel(), Nccl.type(dtype), peer, comm, dev.stream);
        return out;
    }

    @Override public void abort() {
        if (aborted) return;
        aborted = true;
        nccl.commAbort(comm);
    }

    @Override public synchronized void close() {
        if (closed || aborted) return;
        closed = true;
        dev.bind();
        backend.synchronize();
        nccl.commDestroy(comm);
    }

    private Tensor prepare(Tensor x) {
        if (aborted) throw new CommunicatorAbortedException("the NCCL communicator of rank " + rank + " was aborted (another rank failed)");
        if (!x.device().equals(backend.device())) {
            throw new ReelException("rank " + rank + " communicates on " + backend.device() + ", got a tensor on " + x.device());
        }
        dev.bind();
        return x.contiguous();
    }

    private int[] stacked(int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = size;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    private static int reducible(DType t) {
        if (t == DType.F8_E4M3) throw new ReelException("NCCL cannot sum F8_E4M3 tensors; cast them first");
        return Nccl.type(t);
    }

    private void checkPeer(int peer) {
        if (peer < 0 || peer >= size) throw new ReelException("rank " + peer + " is not in this group of " + size + " ranks (0.." + (size - 1) + ")");
    }
}
