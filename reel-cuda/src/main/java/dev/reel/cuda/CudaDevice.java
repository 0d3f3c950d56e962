package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.MemoryStats;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bottom layer of one GPU, its one owner in the process: the primary context, the stream all work is queued
 * on, the stream-ordered memory pool, device addresses of tensors, kernel launches and the kernel cache, and the
 * library handles (cuBLASLt and cuDNN, set up on first use). Every {@link CudaBackend} of the device (one per
 * {@link SystemOptions}) shares it, so their tensors are ordered on one stream and may be mixed freely.
 *
 * <p>The device-wide settings, {@link SystemOptions#cacheDir()} and {@link SystemOptions#libraryPath()}, are taken
 * from the options the device is first opened with (libraries are loaded once per process).
 */
final class CudaDevice {
    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
    private static final Map<Integer, CudaDevice> OPEN = new ConcurrentHashMap<>();

    /** Threads per block of the one-dimensional launches. */
    static final int BLOCK = 256;

    private final Device device;
    final CudaDriver cu;
    private final int dev;
    private final MemorySegment ctx;
    final MemorySegment stream;
    private final MemorySegment pool;
    private final String name;
    private final int smCount;
    private final int ccMajor, ccMinor;
    private final int maxSharedOptin;
    private final List<Path> libraryPath;
    private final CudaKernels kernels;
    /** The context last made current on each thread (shared by all devices: one JVM drives several). */
    private static final ThreadLocal<MemorySegment> CURRENT = new ThreadLocal<>();
    private volatile CublasLt blas;
    private volatile long workspace;
    private volatile Cudnn cudnn;
    private volatile String cudnnFailure;
    /** Host-to-device copies (made on first use: it pins host memory). */
    private volatile CudaStaging staging;

    private CudaDevice(Device device, SystemOptions options) {
        this.device = device;
        this.libraryPath = options.libraryPath();
        this.cu = CudaDriver.get(libraryPath);
        int count = cu.deviceCount();
        if (device.index() >= count) throw new CudaUnavailableException("device " + device + " does not exist: " + count + " CUDA device(s) found");
        this.dev = cu.device(device.index());
        this.name = cu.deviceName(dev);
        this.ccMajor = cu.attribute(CudaDriver.ATTR_CC_MAJOR, dev);
        this.ccMinor = cu.attribute(CudaDriver.ATTR_CC_MINOR, dev);
        this.smCount = cu.attribute(CudaDriver.ATTR_MULTIPROCESSOR_COUNT, dev);
        this.maxSharedOptin = cu.attribute(CudaDriver.ATTR_MAX_SHARED_PER_BLOCK_OPTIN, dev);
        if (cu.attribute(CudaDriver.ATTR_MEMORY_POOLS_SUPPORTED, dev) == 0) throw new CudaUnavailableException(name + " does not support stream-ordered memory pools");
        this.ctx = cu.primaryContext(dev);
        bind();
        this.stream = cu.createStream();
        this.pool = cu.defaultMemPool(dev);
        // keep freed memory in the pool instead of returning it to the driver at every synchronisation
        cu.setPoolAttribute(pool, CudaDriver.MEMPOOL_ATTR_RELEASE_THRESHOLD, Long.MAX_VALUE);
        this.kernels = new CudaKernels(cu, "sm_" + ccMajor + ccMinor, libraryPath, options.cacheDir().resolve("cubin"));
        kernels.prefetch();   // cold kernel caches compile beside the weights' loading, not in the first step
        LOG.debug("opened {} ({}, sm_{}{}, {} SMs)", device, name, ccMajor, ccMinor, smCount);
    }

    /** The device of {@code device}'s ordinal, opened on first use with {@code options}' device-wide settings. */
    static CudaDevice open(Device device, SystemOptions options) {
        if (device.type() != Device.Type.CUDA) throw new IllegalArgumentException("not a CUDA device: " + device);
        CudaDevice d = OPEN.computeIfAbsent(device.index(), i -> new CudaDevice(device, options));
        if (!d.libraryPath.equals(options.libraryPath()) || !d.kernels.cacheDir().equals(options.cacheDir().resolve("cubin"))) {
            LOG.warn("{} is already open with library path {} and kernel cache {}; a backend asking for {} and {} shares them",
                    device, d.libraryPath, d.kernels.cacheDir(), options.libraryPath(), options.cacheDir().resolve("cubin"));
        }
        return d;
    }

    Device device() { return device; }

    /** The GPU's name, e.g. "NVIDIA H100 80GB HBM3". */
    String name() { return name; }

    /** Compute capability as major·10 + minor (90 for Hopper). */
    int computeCapability() { return ccMajor * 10 + ccMinor; }

    int multiprocessors() { return smCount; }

    /** Makes this device's context current on the calling thread (a no-op when it already is). */
    void bind() {
        if (CURRENT.get() != ctx) {
            cu.setCurrent(ctx);
            CURRENT.set(ctx);
        }
    }

    /** Forgets which context is current on this thread, after a library (NCCL) changed it through the runtime. */
    static void forgetCurrentContext() { CURRENT.remove(); }

    /** Waits for all work queued on the stream. */
    void synchronize() {
        bind();
        cu.synchronize(stream);
    }

    // ---------------------------------------------------------------- memory

    /** The pool's bytes in use, their peak since {@link #resetPeak()}, and the bytes it holds from the driver. */
    MemoryStats memoryStats() {
        return new MemoryStats(cu.poolAttribute(pool, CudaDriver.MEMPOOL_ATTR_USED_MEM_CURRENT), cu.poolAttribute(pool, CudaDriver.MEMPOOL_ATTR_USED_MEM_HIGH),
                cu.poolAttribute(pool, CudaDriver.MEMPOOL_ATTR_RESERVED_MEM_CURRENT));
    }

    void resetPeak() {
        bind();
        cu.setPoolAttribute(pool, CudaDriver.MEMPOOL_ATTR_USED_MEM_HIGH, 0);
        cu.setPoolAttribute(pool, CudaDriver.MEMPOOL_ATTR_RESERVED_MEM_HIGH, 0);
    }

    /** {@code bytes} of device memory from the pool, ordered on the stream; 0 for 0 bytes. */
    long allocate(long bytes) {
        if (bytes == 0) return 0;
        bind();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            int r = cu.allocAsync(out, bytes, pool, stream);
            if (r == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                // memory freed on the stream may not be reusable yet: wait for it, return cached blocks, retry once
                cu.synchronize(stream);
                cu.trimPool(pool, 0);
                r = cu.allocAsync(out, bytes, pool, stream);
            }
            if (r == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                long[] info = cu.memInfo();
                MemoryStats m = memoryStats();
                throw new CudaOutOfMemoryException("CUDA out of memory on " + device + " (" + name + "): could not allocate " + mib(bytes)
                        + "; the pool has " + mib(m.inUseBytes()) + " in use by tensors and " + mib(m.reservedBytes())
                        + " reserved; the device has " + mib(info[0]) + " free of " + mib(info[1]), bytes);
            }
            cu.check(r, "cuMemAllocFromPoolAsync(" + bytes + " bytes)");
            return out.get(JAVA_LONG, 0);
        }
    }

    /** Returns memory to the pool, ordered on the stream (never waits for the GPU). */
    void free(long ptr) {
        if (ptr == 0) return;
        bind();
        cu.freeAsync(ptr, stream);
    }

    private static String mib(long bytes) { return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0); }

    /** A new uninitialised contiguous tensor of this device whose storage belongs to {@code owner}. */
    Tensor tensor(Backend owner, DType dtype, int... shape) {
        long n = Tensor.numel(shape);
        return new Tensor(new CudaStorage(owner, this, dtype, n, allocate(n * dtype.byteSize())), shape);
    }

    /** Device address of a tensor's first element (offset applied); the tensor must live on this device. */
    long addr(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s) || s.cudaDevice() != this) {
            throw new ReelException("tensor is on " + t.device() + ", this op runs on " + device + " (move it with Backends.of(" + device + ").copyFrom(t))");
        }
        return s.address() + t.offset() * t.dtype().byteSize();
    }

    void memsetZero(long ptr, long bytes) {
        if (bytes == 0) return;
        bind();
        cu.memset8(ptr, (byte) 0, bytes, stream);
    }

    /** Copies host memory to the device and waits, so the host buffer may be released on return. */
    void copyToDevice(long dst, MemorySegment src, long bytes) {
        if (bytes == 0) return;
        bind();
        cu.copyHtoD(dst, src, bytes, stream);
        cu.synchronize(stream);
    }

    /** The staging buffers through which host data is copied to this device. */
    CudaStaging staging() {
        CudaStaging s = staging;
        if (s == null) {
            synchronized (this) {
                if (staging == null) staging = new CudaStaging(this);
                s = staging;
            }
        }
        return s;
    }

    /** Copies device memory to the host once the queued work is done, and waits for it. */
    void copyToHost(MemorySegment dst, long src, long bytes) {
        if (bytes == 0) return;
        bind();
        cu.copyDtoH(dst, src, bytes, stream);
        cu.synchronize(stream);
    }

    void copyOnDevice(long dst, long src, long bytes) {
        if (bytes == 0) return;
        bind();
        cu.copyDtoD(dst, src, bytes, stream);
    }

    // ---------------------------------------------------------------- launches

    /** Blocks of {@link #BLOCK} threads for {@code threads} (grid-stride kernels: at most 16 per SM). */
    int grid(long threads) {
        long blocks = (threads + BLOCK - 1) / BLOCK;
        return (int) Math.max(1, Math.min(blocks, (long) smCount * 16));
    }

    void launch(String file, String kernel, int grid, int block, int shared, KernelArgs args) {
        launch(file, kernel, grid, 1, 1, block, shared, args);
    }

    void launch(String file, String kernel, int gx, int gy, int gz, int block, int shared, KernelArgs args) {
        bind();
        MemorySegment f = kernels.function(file, kernel);
        int r = cu.launch(f, gx, gy, gz, block, 1, 1, shared, stream, args.pointers());
        if (r != CudaDriver.CUDA_SUCCESS) {
            throw new CudaException("launching kernel " + kernel + " (grid " + gx + "×" + gy + "×" + gz + ", block " + block + ", shared " + shared
                    + " B) failed: " + cu.errorName(r), r);
        }
    }

    /** Raises a kernel's dynamic shared-memory limit. */
    void allowSharedMemory(String file, String kernel, int bytes) {
        if (bytes > maxSharedOptin) throw new ReelException(kernel + " needs " + bytes + " bytes of shared memory; " + name + " allows " + maxSharedOptin);
        bind();
        cu.setFunctionAttribute(kernels.function(file, kernel), CudaDriver.FUNC_ATTR_MAX_DYNAMIC_SHARED, bytes);
    }

    // ---------------------------------------------------------------- libraries (set up on first use)

    /** cuBLASLt with its workspace on this device. */
    CublasLt blas() {
        CublasLt b = blas;
        if (b == null) {
            synchronized (this) {
                if (blas == null) {
                    bind();
                    CublasLt made = new CublasLt(libraryPath);
                    workspace = allocate(CublasLt.WORKSPACE_BYTES);
                    blas = made;
                }
                b = blas;
            }
        }
        return b;
    }

    /** cuBLASLt's workspace (device address, {@link CublasLt#WORKSPACE_BYTES}). */
    long workspace() {
        blas();
        return workspace;
    }

    /** cuDNN bound to this device's stream, or null when libcudnn.so.9 is not usable ({@link #cudnnFailure()} says why). */
    Cudnn cudnn() {
        Cudnn c = cudnn;
        if (c != null || cudnnFailure != null) return c;
        synchronized (this) {
            if (cudnn == null && cudnnFailure == null) {
                try {
                    bind();
                    cudnn = new Cudnn(this, libraryPath, kernels.cacheDir().resolveSibling("cudnn"));
                } catch (RuntimeException e) {
                    cudnnFailure = e.getMessage();
                    LOG.warn("cuDNN is not usable on {}: {}", device, e.getMessage());
                }
            }
            return cudnn;
        }
    }

    /** Why {@link #cudnn()} is null, or null while cuDNN is usable or not yet tried. */
    String cudnnFailure() { return cudnnFailure; }

    // ---------------------------------------------------------------- timing and graphs

    /** A timer of the work on this device's stream (CUDA events). */
    CudaTimer timer() {
        bind();
        return new CudaTimer(this);
    }

    /** Captures the work {@code body} queues into a CUDA graph (see {@link CudaBackend#capture}). */
    CudaGraph capture(Runnable body) {
        bind();
        cu.beginCapture(stream);
        try {
            body.run();
        } catch (RuntimeException e) {
            try {
                cu.endCapture(stream);
            } catch (RuntimeException ignored) {
                // the capture is already invalid; report the body's error
            }
            throw e;
        }
        MemorySegment graph = cu.endCapture(stream);
        return new CudaGraph(this, graph, cu.instantiate(graph));
    }

    @Override public String toString() { return device + ", " + name + ", sm_" + ccMajor + ccMinor; }
}
