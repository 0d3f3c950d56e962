package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.reel.core.DType;
import dev.reel.core.ReelException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * NCCL ({@code libnccl.so.2}, found like the other CUDA libraries by {@link NativeLibrary}) through FFM: only the
 * calls Reel uses. Every call checks its {@code ncclResult_t} and throws a {@link CudaException} naming the call and
 * NCCL's own error string. Streams are the backends' {@code CUstream}s (the same handles as {@code cudaStream_t}).
 */
final class Nccl {
    /** {@code NCCL_UNIQUE_ID_BYTES}: the opaque bootstrap id, passed by value. */
    static final int UNIQUE_ID_BYTES = 128;
    static final MemoryLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE));

    static final int SUM = 0;   // ncclSum

    private static volatile Nccl instance;
    private static volatile CudaUnavailableException failure;

    private final MethodHandle getVersion, getUniqueId, commInitRank, commInitAll, commDestroy, commAbort, allReduce,
            allGather, broadcast, send, recv, groupStart, groupEnd, getErrorString;

    private Nccl(NativeLibrary lib) {
        getVersion = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "ncclGetVersion");
        getUniqueId = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "ncclGetUniqueId");
        commInitRank = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT), "ncclCommInitRank");
        commInitAll = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), "ncclCommInitAll");
        commDestroy = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "ncclCommDestroy");
        commAbort = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "ncclCommAbort");
        // (send, recv, count, type, op, comm, stream)
        allReduce = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), "ncclAllReduce");
        // (send, recv, sendcount, type, comm, stream)
        allGather = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS), "ncclAllGather");
        // (send, recv, count, type, root, comm, stream)
        broadcast = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), "ncclBroadcast");
        // (buf, count, type, peer, comm, stream)
        send = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), "ncclSend");
        recv = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), "ncclRecv");
        groupStart = lib.fn(FunctionDescriptor.of(JAVA_INT), "ncclGroupStart");
        groupEnd = lib.fn(FunctionDescriptor.of(JAVA_INT), "ncclGroupEnd");
        getErrorString = lib.fn(FunctionDescriptor.of(ADDRESS, JAVA_INT), "ncclGetErrorString");
    }

    /** NCCL, loaded once; throws {@link CudaUnavailableException} (saying what it is needed for) when it is absent. */
    static Nccl get() {
        Nccl n = instance;
        if (n != null) return n;
        synchronized (Nccl.class) {
            if (instance != null) return instance;
            if (failure != null) throw failure;
            try {
                instance = new Nccl(NativeLibrary.load("NCCL", List.of(), "libnccl.so.2", "libnccl.so"));
                return instance;
            } catch (CudaUnavailableException e) {
                failure = new CudaUnavailableException(e.getMessage() + "; NCCL is what --parallel runs on with GPUs"
                        + " (pip's nvidia-nccl-cu12/cu13 or the CUDA repositories' libnccl2 provide it)");
                throw failure;
            }
        }
    }

    /** NCCL's element type for {@code t}. */
    static int type(DType t) {
        return switch (t) {
            case U8 -> 1;          // ncclUint8
            case I32 -> 2;         // ncclInt32
            case I64 -> 4;         // ncclInt64
            case F16 -> 6;         // ncclFloat16
            case F32 -> 7;         // ncclFloat32
            case BF16 -> 9;        // ncclBfloat16
            case F8_E4M3 -> 1;     // moved as bytes (never summed)
        };
    }

    /** The library's version as NCCL encodes it (major·10000 + minor·100 + patch since 2.9). */
    int version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) getVersion.invokeExact(v), "ncclGetVersion");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    /** A fresh bootstrap id (its bytes), for {@link #commInitRank}; the caller hands it to every rank. */
    byte[] uniqueId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check((int) getUniqueId.invokeExact(id), "ncclGetUniqueId");
            return id.toArray(JAVA_BYTE);
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    /** {@code ncclCommInitRank}: this process's rank of {@code nranks} (the caller's device must be current). */
    MemorySegment commInitRank(int nranks, byte[] uniqueId, int rank) {
        if (uniqueId.length != UNIQUE_ID_BYTES) throw new ReelException("an NCCL unique id has " + UNIQUE_ID_BYTES + " bytes, got " + uniqueId.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            MemorySegment id = a.allocate(UNIQUE_ID);
            MemorySegment.copy(uniqueId, 0, id, JAVA_BYTE, 0, UNIQUE_ID_BYTES);
            check((int) commInitRank.invokeExact(out, nranks, id, rank), "ncclCommInitRank(rank " + rank + " of " + nranks + ")");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    /** {@code ncclCommInitAll}: one communicator per CUDA ordinal in {@code devices}, from this thread. */
    MemorySegment[] commInitAll(int[] devices) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comms = a.allocate(ADDRESS, devices.length);
            MemorySegment list = a.allocateFrom(JAVA_INT, devices);
            check((int) commInitAll.invokeExact(comms, devices.length, list), "ncclCommInitAll(" + devices.length + " devices)");
            MemorySegment[] out = new MemorySegment[devices.length];
            for (int i = 0; i < out.length; i++) out[i] = comms.getAtIndex(ADDRESS, i);
            return out;
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void commDestroy(MemorySegment comm) {
        try { check((int) commDestroy.invokeExact(comm), "ncclCommDestroy"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void commAbort(MemorySegment comm) {
        try { check((int) commAbort.invokeExact(comm), "ncclCommAbort"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void allReduceSum(long sendBuf, long recvBuf, long count, int type, MemorySegment comm, MemorySegment stream) {
        try { check((int) allReduce.invokeExact(sendBuf, recvBuf, count, type, SUM, comm, stream), "ncclAllReduce"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void allGather(long sendBuf, long recvBuf, long sendCount, int type, MemorySegment comm, MemorySegment stream) {
        try { check((int) allGather.invokeExact(sendBuf, recvBuf, sendCount, type, comm, stream), "ncclAllGather"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void broadcast(long sendBuf, long recvBuf, long count, int type, int root, MemorySegment comm, MemorySegment stream) {
        try { check((int) broadcast.invokeExact(sendBuf, recvBuf, count, type, root, comm, stream), "ncclBroadcast"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void send(long buf, long count, int type, int peer, MemorySegment comm, MemorySegment stream) {
        try { check((int) send.invokeExact(buf, count, type, peer, comm, stream), "ncclSend(to " + peer + ")"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void recv(long buf, long count, int type, int peer, MemorySegment comm, MemorySegment stream) {
        try { check((int) recv.invokeExact(buf, count, type, peer, comm, stream), "ncclRecv(from " + peer + ")"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void groupStart() {
        try { check((int) groupStart.invokeExact(), "ncclGroupStart"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    void groupEnd() {
        try { check((int) groupEnd.invokeExact(), "ncclGroupEnd"); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    private void check(int r, String call) {
        if (r != 0) throw new CudaException(call + " failed: " + errorString(r) + " (ncclResult_t " + r + ")", r);
    }

    private String errorString(int r) {
        try {
            MemorySegment p = (MemorySegment) getErrorString.invokeExact(r);
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "ncclResult_t " + r;
        }
    }
}
