package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through FFM: only the calls Reel uses. Every call checks its
 * {@code CUresult} and throws a {@link CudaException} naming the call and the driver's error name.
 */
final class CudaDriver {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;

    static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    static final int ATTR_CC_MAJOR = 75;
    static final int ATTR_CC_MINOR = 76;
    static final int ATTR_MAX_SHARED_PER_BLOCK_OPTIN = 97;
    static final int ATTR_MEMORY_POOLS_SUPPORTED = 115;
    static final int ATTR_L2_CACHE_SIZE = 38;

    static final int MEMPOOL_ATTR_RELEASE_THRESHOLD = 4;
    static final int MEMPOOL_ATTR_RESERVED_MEM_CURRENT = 5;
    static final int MEMPOOL_ATTR_RESERVED_MEM_HIGH = 6;
    static final int MEMPOOL_ATTR_USED_MEM_CURRENT = 7;
    static final int MEMPOOL_ATTR_USED_MEM_HIGH = 8;

    static final int FUNC_ATTR_MAX_DYNAMIC_SHARED = 8;
    static final int STREAM_NON_BLOCKING = 1;
    static final int EVENT_DEFAULT = 0;
    static final int CAPTURE_MODE_THREAD_LOCAL = 1;

    private static volatile CudaDriver instance;
    private static volatile CudaUnavailableException failure;

    final NativeLibrary lib;
    private final MethodHandle cuInit, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName, cuDeviceGetAttribute,
            cuDevicePrimaryCtxRetain, cuCtxSetCurrent, cuStreamCreate, cuStreamSynchronize,
            cuEventCreate, cuEventRecord, cuEventSynchronize, cuEventElapsedTime, cuEventDestroy,
            cuDeviceGetDefaultMemPool, cuMemPoolSetAttribute, cuMemPoolGetAttribute, cuMemPoolTrimTo,
            cuMemAllocFromPoolAsync, cuMemFreeAsync, cuMemGetInfo, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync,
            cuMemcpyDtoDAsync, cuMemsetD8Async, cuModuleLoadData, cuModuleGetFunction,
            cuFuncSetAttribute, cuLaunchKernel, cuStreamBeginCapture, cuStreamEndCapture, cuGraphInstantiate,
            cuGraphLaunch, cuGraphExecDestroy, cuGraphDestroy, cuGetErrorName, cuMemHostAlloc, cuMemFreeHost, cuStreamWaitEvent, cuStreamDestroy;

    private CudaDriver(NativeLibrary lib) {
        this.lib = lib;
        FunctionDescriptor iI = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        FunctionDescriptor iP = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        FunctionDescriptor iPP = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        cuInit = lib.fn(iI, "cuInit");
        cuDeviceGetCount = lib.fn(iP, "cuDeviceGetCount");
        cuDeviceGet = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuDeviceGet");
        cuDeviceGetName = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuDeviceGetName");
        cuDeviceGetAttribute = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuDeviceGetAttribute");
        cuDevicePrimaryCtxRetain = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuDevicePrimaryCtxRetain");
        cuCtxSetCurrent = lib.fn(iP, "cuCtxSetCurrent");
        cuStreamCreate = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuStreamCreate");
        cuStreamSynchronize = lib.fn(iP, "cuStreamSynchronize");
        cuEventCreate = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuEventCreate");
        cuEventRecord = lib.fn(iPP, "cuEventRecord");
        cuEventSynchronize = lib.fn(iP, "cuEventSynchronize");
        cuEventElapsedTime = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuEventElapsedTime_v2", "cuEventElapsedTime");
        cuEventDestroy = lib.fn(iP, "cuEventDestroy_v2", "cuEventDestroy");
        cuDeviceGetDefaultMemPool = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuDeviceGetDefaultMemPool");
        cuMemPoolSetAttribute = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), "cuMemPoolSetAttribute");
        cuMemPoolGetAttribute = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), "cuMemPoolGetAttribute");
        cuMemPoolTrimTo = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), "cuMemPoolTrimTo");
        cuMemAllocFromPoolAsync = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS), "cuMemAllocFromPoolAsync");
        cuMemFreeAsync = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS), "cuMemFreeAsync");
        cuMemGetInfo = lib.fn(iPP, "cuMemGetInfo_v2");
        cuMemcpyHtoDAsync = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS), "cuMemcpyHtoDAsync_v2");
        cuMemcpyDtoHAsync = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS), "cuMemcpyDtoHAsync_v2");
        cuMemcpyDtoDAsync = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), "cuMemcpyDtoDAsync_v2");
        cuMemsetD8Async = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_BYTE, JAVA_LONG, ADDRESS), "cuMemsetD8Async");
        cuModuleLoadData = lib.fn(iPP, "cuModuleLoadData");
        cuModuleGetFunction = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuModuleGetFunction");
        cuFuncSetAttribute = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cuFuncSetAttribute");
        cuLaunchKernel = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cuLaunchKernel");
        cuStreamBeginCapture = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), "cuStreamBeginCapture_v2");
        cuStreamEndCapture = lib.fn(iPP, "cuStreamEndCapture");
        cuGraphInstantiate = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), "cuGraphInstantiateWithFlags");
        cuGraphLaunch = lib.fn(iPP, "cuGraphLaunch");
        cuGraphExecDestroy = lib.fn(iP, "cuGraphExecDestroy");
        cuGraphDestroy = lib.fn(iP, "cuGraphDestroy");
        cuMemHostAlloc = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), "cuMemHostAlloc");
        cuMemFreeHost = lib.fn(iP, "cuMemFreeHost");
        cuStreamDestroy = lib.fn(iP, "cuStreamDestroy_v2", "cuStreamDestroy");
        cuStreamWaitEvent = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), "cuStreamWaitEvent");
        cuGetErrorName = lib.fn(FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), "cuGetErrorName");
    }

    /**
     * The driver, loaded (searching {@code libraryPath} first) and initialised once per process; throws
     * {@link CudaUnavailableException} if it cannot be. Later calls return the first result whatever their path.
     */
    static CudaDriver get(List<Path> libraryPath) {
        CudaDriver d = instance;
        if (d != null) return d;
        synchronized (CudaDriver.class) {
            if (instance != null) return instance;
            if (failure != null) throw failure;
            try {
                d = new CudaDriver(NativeLibrary.load("CUDA driver", libraryPath, "libcuda.so.1", "libcuda.so"));
                d.check(d.call1(d.cuInit, 0), "cuInit");
                instance = d;
                return d;
            } catch (CudaUnavailableException e) {
                failure = e;
                throw e;
            } catch (CudaException e) {
                failure = new CudaUnavailableException("CUDA driver found but not usable: " + e.getMessage());
                throw failure;
            }
        }
    }

    private int call1(MethodHandle h, int v) {
        try {
            return (int) h.invokeExact(v);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** Throws a {@link CudaException} if {@code r} is not CUDA_SUCCESS. */
    void check(int r, String call) {
        if (r != CUDA_SUCCESS) throw new CudaException(call + " failed: " + errorName(r) + " (" + r + ")", r);
    }

    String errorName(int r) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int rr = (int) cuGetErrorName.invokeExact(r, p);
            if (rr != 0) return "CUresult " + r;
            return p.get(ADDRESS, 0).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "CUresult " + r;
        }
    }

    // ---------------------------------------------------------------- device and context

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) cuDeviceGetCount.invokeExact(v), "cuDeviceGetCount");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) cuDeviceGet.invokeExact(v, ordinal), "cuDeviceGet(" + ordinal + ")");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    String deviceName(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(256);
            check((int) cuDeviceGetName.invokeExact(v, 256, dev), "cuDeviceGetName");
            return v.getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    int attribute(int attr, int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check((int) cuDeviceGetAttribute.invokeExact(v, attr, dev), "cuDeviceGetAttribute(" + attr + ")");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Free and total device memory in bytes, as the driver sees them. */
    long[] memInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(JAVA_LONG), t = a.allocate(JAVA_LONG);
            check((int) cuMemGetInfo.invokeExact(f, t), "cuMemGetInfo");
            return new long[] {f.get(JAVA_LONG, 0), t.get(JAVA_LONG, 0)};
        } catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment primaryContext(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check((int) cuDevicePrimaryCtxRetain.invokeExact(v, dev), "cuDevicePrimaryCtxRetain");
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void setCurrent(MemorySegment ctx) {
        try {
            check((int) cuCtxSetCurrent.invokeExact(ctx), "cuCtxSetCurrent");
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- streams and events

    MemorySegment createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check((int) cuStreamCreate.invokeExact(v, STREAM_NON_BLOCKING), "cuStreamCreate");
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void destroyStream(MemorySegment stream) {
        try {
            check((int) cuStreamDestroy.invokeExact(stream), "cuStreamDestroy");
        } catch (Throwable t) { throw rethrow(t); }
    }

    void synchronize(MemorySegment stream) {
        try {
            check((int) cuStreamSynchronize.invokeExact(stream), "cuStreamSynchronize");
        } catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment createEvent() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check((int) cuEventCreate.invokeExact(v, EVENT_DEFAULT), "cuEventCreate");
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void record(MemorySegment event, MemorySegment stream) {
        try {
            check((int) cuEventRecord.invokeExact(event, stream), "cuEventRecord");
        } catch (Throwable t) { throw rethrow(t); }
    }

    void eventSynchronize(MemorySegment event) {
        try {
            check((int) cuEventSynchronize.invokeExact(event), "cuEventSynchronize");
        } catch (Throwable t) { throw rethrow(t); }
    }

    float elapsedMs(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_FLOAT);
            check((int) cuEventElapsedTime.invokeExact(v, start, end), "cuEventElapsedTime");
            return v.get(JAVA_FLOAT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Makes {@code stream} wait, on the GPU, for the work {@code event} recorded (the host does not wait). */
    void streamWait(MemorySegment stream, MemorySegment event) {
        try {
            check((int) cuStreamWaitEvent.invokeExact(stream, event, 0), "cuStreamWaitEvent");
        } catch (Throwable t) { throw rethrow(t); }
    }

    void destroyEvent(MemorySegment event) {
        try {
            check((int) cuEventDestroy.invokeExact(event), "cuEventDestroy");
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- memory

    MemorySegment defaultMemPool(int dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check((int) cuDeviceGetDefaultMemPool.invokeExact(v, dev), "cuDeviceGetDefaultMemPool");
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void setPoolAttribute(MemorySegment pool, int attr, long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            v.set(JAVA_LONG, 0, value);
            check((int) cuMemPoolSetAttribute.invokeExact(pool, attr, v), "cuMemPoolSetAttribute(" + attr + ")");
        } catch (Throwable t) { throw rethrow(t); }
    }

    long poolAttribute(MemorySegment pool, int attr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check((int) cuMemPoolGetAttribute.invokeExact(pool, attr, v), "cuMemPoolGetAttribute(" + attr + ")");
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void trimPool(MemorySegment pool, long keep) {
        try {
            check((int) cuMemPoolTrimTo.invokeExact(pool, keep), "cuMemPoolTrimTo");
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Stream-ordered allocation; returns the CUresult so the caller can report out-of-memory itself. */
    int allocAsync(MemorySegment out, long bytes, MemorySegment pool, MemorySegment stream) {
        try {
            return (int) cuMemAllocFromPoolAsync.invokeExact(out, bytes, pool, stream);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void freeAsync(long ptr, MemorySegment stream) {
        try {
            check((int) cuMemFreeAsync.invokeExact(ptr, stream), "cuMemFreeAsync");
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * {@code bytes} of page-locked host memory (cuMemHostAlloc, no flags): the GPU's copy engines read it directly,
     * so copies from it run asynchronously at the link's full rate. Returns the CUresult for out-of-memory reports.
     */
    int hostAlloc(MemorySegment out, long bytes) {
        try {
            return (int) cuMemHostAlloc.invokeExact(out, bytes, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void freeHost(MemorySegment p) {
        try {
            check((int) cuMemFreeHost.invokeExact(p), "cuMemFreeHost");
        } catch (Throwable t) { throw rethrow(t); }
    }

    void copyHtoD(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyHtoDAsync");
        } catch (Throwable t) { throw rethrow(t); }
    }

    void copyDtoH(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoHAsync");
        } catch (Throwable t) { throw rethrow(t); }
    }

    void copyDtoD(long dst, long src, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream), "cuMemcpyDtoDAsync");
        } catch (Throwable t) { throw rethrow(t); }
    }

    void memset8(long dst, byte value, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemsetD8Async.invokeExact(dst, value, bytes, stream), "cuMemsetD8Async");
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- modules and launches

    MemorySegment loadModule(byte[] image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment img = a.allocate(image.length + 1L, 16);
            MemorySegment.copy(image, 0, img, JAVA_BYTE, 0, image.length);
            MemorySegment v = a.allocate(ADDRESS);
            check((int) cuModuleLoadData.invokeExact(v, img), "cuModuleLoadData");
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check((int) cuModuleGetFunction.invokeExact(v, module, a.allocateFrom(name)), "cuModuleGetFunction(" + name + ")");
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void setFunctionAttribute(MemorySegment fn, int attr, int value) {
        try {
            check((int) cuFuncSetAttribute.invokeExact(fn, attr, value), "cuFuncSetAttribute(" + attr + ")");
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Launches; returns the CUresult (the caller names the kernel in the error). */
    int launch(MemorySegment fn, int gx, int gy, int gz, int bx, int by, int bz, int shared, MemorySegment stream, MemorySegment params) {
        try {
            return (int) cuLaunchKernel.invokeExact(fn, gx, gy, gz, bx, by, bz, shared, stream, params, MemorySegment.NULL);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- graphs

    void beginCapture(MemorySegment stream) {
        try {
            check((int) cuStreamBeginCapture.invokeExact(stream, CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
        } catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment endCapture(MemorySegment stream) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check((int) cuStreamEndCapture.invokeExact(stream, v), "cuStreamEndCapture");
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    MemorySegment instantiate(MemorySegment graph) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check((int) cuGraphInstantiate.invokeExact(v, graph, 0L), "cuGraphInstantiateWithFlags");
            return v.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    void launchGraph(MemorySegment exec, MemorySegment stream) {
        try {
            check((int) cuGraphLaunch.invokeExact(exec, stream), "cuGraphLaunch");
        } catch (Throwable t) { throw rethrow(t); }
    }

    void destroyGraph(MemorySegment exec, MemorySegment graph) {
        try {
            check((int) cuGraphExecDestroy.invokeExact(exec), "cuGraphExecDestroy");
            check((int) cuGraphDestroy.invokeExact(graph), "cuGraphDestroy");
        } catch (Throwable t) { throw rethrow(t); }
    }
}
