package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Half;
import dev.reel.core.ReelException;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.cpu.CpuStorage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The CUDA backend of one device: Reel's NVRTC kernels for pointwise ops, norms, reductions, layout ops and
 * flash attention; cuBLASLt for matrix products and convolutions (im2col). All work is queued on one
 * non-blocking stream; memory comes from the device's stream-ordered pool. bf16 is the intended compute dtype
 * on the GPU ({@link #DEFAULT_DTYPE}); statistics of norms and the fused modulation are computed in fp32.
 */
public final class CudaBackend implements Backend {
    /** The dtype models should hold weights and activations in on the GPU (fp32 remains selectable). */
    public static final DType DEFAULT_DTYPE = DType.BF16;

    private static final int BLOCK = 256;

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
    final CudaKernels kernels;
    private volatile CublasLt blas;
    private volatile Cudnn cudnn;
    private volatile boolean cudnnMissing;
    private volatile AttentionEngine attentionEngine = AttentionEngine.CUDNN;
    /** Whether 16-bit convolutions run on cuDNN ({@code -Dreel.cuda.convolution=im2col} forces im2col + cuBLASLt). */
    volatile boolean cudnnConvolution = !"im2col".equals(System.getProperty("reel.cuda.convolution"));
    private volatile long workspace;
    /** The context this backend last made current on each thread (shared by all devices: one JVM drives several). */
    private static final ThreadLocal<MemorySegment> CURRENT = new ThreadLocal<>();

    CudaBackend(Device device) {
        if (device.type() != Device.Type.CUDA) throw new IllegalArgumentException("not a CUDA device: " + device);
        this.device = device;
        this.cu = CudaDriver.get();
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
        this.kernels = new CudaKernels(cu, "sm_" + ccMajor + ccMinor);
    }

    @Override public Device device() { return device; }

    /** The GPU's name, e.g. "NVIDIA H100 80GB HBM3". */
    public String deviceName() { return name; }

    /** Compute capability as "major.minor". */
    public String computeCapability() { return ccMajor + "." + ccMinor; }

    /** Number of streaming multiprocessors. */
    public int multiprocessors() { return smCount; }

    /** Makes this device's context current on the calling thread (a no-op when it already is). */
    void bind() {
        if (CURRENT.get() != ctx) {
            cu.setCurrent(ctx);
            CURRENT.set(ctx);
        }
    }

    /** Forgets which context is current on this thread, after a library (NCCL) changed it through the runtime. */
    static void forgetCurrentContext() { CURRENT.remove(); }

    @Override public void synchronize() {
        bind();
        cu.synchronize(stream);
    }

    // ---------------------------------------------------------------- memory

    /** Bytes of the pool in use by live tensors now. */
    public long poolUsedBytes() { return cu.poolAttribute(pool, CudaDriver.MEMPOOL_ATTR_USED_MEM_CURRENT); }

    /** Highest {@link #poolUsedBytes()} since the last {@link #resetPeak()}. */
    public long poolPeakBytes() { return cu.poolAttribute(pool, CudaDriver.MEMPOOL_ATTR_USED_MEM_HIGH); }

    /** Bytes the pool holds from the driver (used or cached). */
    public long poolReservedBytes() { return cu.poolAttribute(pool, CudaDriver.MEMPOOL_ATTR_RESERVED_MEM_CURRENT); }

    /** Restarts peak tracking. */
    public void resetPeak() {
        bind();
        cu.setPoolAttribute(pool, CudaDriver.MEMPOOL_ATTR_USED_MEM_HIGH, 0);
        cu.setPoolAttribute(pool, CudaDriver.MEMPOOL_ATTR_RESERVED_MEM_HIGH, 0);
    }

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
                throw new CudaOutOfMemoryException("CUDA out of memory on " + device + " (" + name + "): could not allocate " + mib(bytes)
                        + "; the pool has " + mib(poolUsedBytes()) + " in use by tensors and " + mib(poolReservedBytes())
                        + " reserved; the device has " + mib(info[0]) + " free of " + mib(info[1]), bytes);
            }
            cu.check(r, "cuMemAllocFromPoolAsync(" + bytes + " bytes)");
            return out.get(JAVA_LONG, 0);
        }
    }

    void free(long ptr) {
        if (ptr == 0) return;
        bind();
        cu.freeAsync(ptr, stream);
    }

    private static String mib(long bytes) { return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0); }

    private Tensor alloc(DType dtype, int... shape) {
        long n = Tensor.numel(shape);
        return new Tensor(new CudaStorage(this, dtype, n, allocate(n * dtype.byteSize())), shape);
    }

    /** Device address of a tensor's first element (offset applied). */
    long addr(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s) || !t.device().equals(device)) {
            throw new ReelException("tensor is on " + t.device() + ", this op runs on " + device + " (move it with Backends.of(" + device + ").copyFrom(t))");
        }
        return s.address() + t.offset() * t.dtype().byteSize();
    }

    @Override public Tensor empty(DType dtype, int... shape) { return alloc(dtype, shape); }

    @Override public Tensor zeros(DType dtype, int... shape) {
        Tensor t = alloc(dtype, shape);
        if (t.numel() > 0) cu.memset8(addr(t), (byte) 0, t.numel() * dtype.byteSize(), stream);
        return t;
    }

    @Override public Tensor full(float value, DType dtype, int... shape) {
        Tensor t = alloc(dtype, shape);
        fill(t, value);
        return t;
    }

    private void fill(Tensor contiguous, float value) {
        long n = contiguous.numel();
        if (n == 0) return;
        try (KernelArgs a = new KernelArgs()) {
            a.i64(n).ptr(addr(contiguous)).i32(contiguous.dtype().ordinal()).f32(value);
            launch("elementwise.cu", "ew_fill", grid(n), BLOCK, 0, a);
        }
    }

    @Override public Tensor fromFloats(float[] data, DType dtype, int... shape) {
        if (data.length != Tensor.numel(shape)) throw new ShapeException("fromFloats", data.length + " values do not fill shape " + ShapeException.fmt(shape));
        Tensor t = alloc(dtype, shape);
        if (data.length == 0) return t;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate((long) data.length * dtype.byteSize(), 16);
            switch (dtype) {
                case F32 -> MemorySegment.copy(data, 0, host, JAVA_FLOAT, 0, data.length);
                case BF16 -> { for (int i = 0; i < data.length; i++) host.setAtIndex(JAVA_SHORT, i, Half.floatToBf16(data[i])); }
                case F16 -> { for (int i = 0; i < data.length; i++) host.setAtIndex(JAVA_SHORT, i, Half.floatToF16(data[i])); }
                case I64 -> { for (int i = 0; i < data.length; i++) host.setAtIndex(JAVA_LONG, i, (long) data[i]); }
                case I32 -> { for (int i = 0; i < data.length; i++) host.setAtIndex(JAVA_INT, i, (int) data[i]); }
                case U8 -> { for (int i = 0; i < data.length; i++) host.set(JAVA_BYTE, i, (byte) (int) data[i]); }
                case F8_E4M3 -> throw new ReelException("fromFloats: cannot encode F8_E4M3 (it is a storage format for loaded weights)");
            }
            bind();
            cu.copyHtoD(addr(t), host, host.byteSize(), stream);
            cu.synchronize(stream);  // the host buffer dies with the arena
        }
        return t;
    }

    @Override public Tensor fromSegment(MemorySegment src, DType srcType, DType dtype, int... shape) {
        long n = Tensor.numel(shape);
        if (src.byteSize() < n * srcType.byteSize()) throw new ShapeException("fromSegment", "segment of " + src.byteSize() + " bytes is too small for " + srcType + ShapeException.fmt(shape));
        Tensor raw = alloc(srcType, shape);
        if (n > 0) {
            bind();
            cu.copyHtoD(addr(raw), src, n * srcType.byteSize(), stream);
            cu.synchronize(stream);  // the caller may unmap the file once we return
        }
        if (srcType == dtype) return raw;
        Tensor t = cast(raw, dtype);
        raw.free();
        return t;
    }

    @Override public float[] toFloatArray(Tensor t) {
        Tensor f = t.dtype() == DType.F32 && t.isContiguous() ? t : cast(t, DType.F32);
        int n = Math.toIntExact(f.numel());
        float[] out = new float[n];
        if (n > 0) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate(4L * n, 16);
                bind();
                cu.copyDtoH(host, addr(f), 4L * n, stream);
                cu.synchronize(stream);
                MemorySegment.copy(host, JAVA_FLOAT, 0, out, 0, n);
            }
        }
        if (f != t) f.free();
        return out;
    }

    @Override public Tensor copyFrom(Tensor t) {
        if (t.device().equals(device)) return t.isContiguous() ? copy(t) : contiguous(t);
        if (t.device().type() == Device.Type.CPU) {
            Tensor c = t.isContiguous() && t.offset() == 0 ? t : t.backend().contiguous(t);
            Object array = ((CpuStorage) c.storage()).array();
            int n = Math.toIntExact(c.numel());
            Tensor out = alloc(t.dtype(), t.shape());
            if (n == 0) return out;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate((long) n * t.dtype().byteSize(), 16);
                switch (array) {
                    case float[] f -> MemorySegment.copy(f, 0, host, JAVA_FLOAT, 0, n);
                    case short[] s -> MemorySegment.copy(s, 0, host, JAVA_SHORT, 0, n);
                    case long[] l -> MemorySegment.copy(l, 0, host, JAVA_LONG, 0, n);
                    case int[] i -> MemorySegment.copy(i, 0, host, JAVA_INT, 0, n);
                    case byte[] b -> MemorySegment.copy(b, 0, host, JAVA_BYTE, 0, n);
                    default -> throw new ReelException("copyFrom: unknown CPU storage " + array.getClass());
                }
                bind();
                cu.copyHtoD(addr(out), host, host.byteSize(), stream);
                cu.synchronize(stream);
            }
            return out;
        }
        // another accelerator: through the host
        return fromFloats(t.toFloatArray(), t.dtype() == DType.F8_E4M3 ? DType.F32 : t.dtype(), t.shape());
    }

    /** A fresh copy of a contiguous tensor. */
    private Tensor copy(Tensor t) {
        Tensor out = alloc(t.dtype(), t.shape());
        if (t.numel() > 0) cu.copyDtoD(addr(out), addr(t), t.numel() * t.dtype().byteSize(), stream);
        return out;
    }

    @Override public Tensor contiguous(Tensor t) {
        Tensor out = alloc(t.dtype(), t.shape());
        copyInto(out, t);
        return out;
    }

    @Override public Tensor cast(Tensor t, DType dtype) {
        if (!dtype.isFloating() && dtype != DType.I64 && dtype != DType.I32) throw new ReelException("cast: unsupported target dtype " + dtype);
        if (dtype == DType.F8_E4M3) throw new ReelException("cast: F8_E4M3 is a storage format; cast to F32, BF16 or F16");
        Tensor out = alloc(dtype, t.shape());
        copyInto(out, t);
        return out;
    }

    @Override public void copyInto(Tensor dst, Tensor src) {
        Tensor s = src.expand(dst.shape());
        if (s.dtype() == dst.dtype() && !isFloat(dst.dtype())) {
            long n = dst.numel();
            if (n == 0) return;
            Strided l = Strided.of("copyInto", dst.shape(), dst.strides(), s.strides());
            try (KernelArgs a = new KernelArgs()) {
                a.i64(n).shape(l.size()).ops(new long[] {addr(dst), addr(s)}, new int[] {dst.dtype().ordinal(), s.dtype().ordinal()}, l.strides())
                        .i32(dst.dtype().byteSize());
                launch("elementwise.cu", "ew_copy_raw", grid(n), BLOCK, 0, a);
            }
            return;
        }
        unaryInto(dst, s, UNARY_IDENTITY, 1f, 0f);
    }

    private static boolean isFloat(DType t) { return t == DType.F32 || t == DType.BF16 || t == DType.F16; }

    // ---------------------------------------------------------------- launches

    private int grid(long threads) {
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

    /** Raises a kernel's dynamic shared-memory limit (once per kernel). */
    void allowSharedMemory(String file, String kernel, int bytes) {
        if (bytes > maxSharedOptin) throw new ReelException(kernel + " needs " + bytes + " bytes of shared memory; " + name + " allows " + maxSharedOptin);
        bind();
        cu.setFunctionAttribute(kernels.function(file, kernel), CudaDriver.FUNC_ATTR_MAX_DYNAMIC_SHARED, bytes);
    }

    /**
     * Launches one of the pointwise kernels over {@code out} and {@code ins} (already expanded to out's shape);
     * {@code extra} appends the kernel's own parameters before the trailing {@code vec} flag.
     */
    private void pointwise(String kernel, Tensor out, Tensor[] ins, Consumer<KernelArgs> extra) {
        long n = out.numel();
        if (n == 0) return;
        int k = ins.length + 1;
        long[][] strides = new long[k][];
        long[] ptrs = new long[k];
        int[] dts = new int[k];
        strides[0] = out.strides();
        ptrs[0] = addr(out);
        dts[0] = out.dtype().ordinal();
        for (int i = 0; i < ins.length; i++) {
            strides[i + 1] = ins[i].strides();
            ptrs[i + 1] = addr(ins[i]);
            dts[i + 1] = ins[i].dtype().ordinal();
        }
        Strided l = Strided.of(kernel, out.shape(), strides);
        boolean vec = vectorizable(l, ptrs, out, ins);
        try (KernelArgs a = new KernelArgs()) {
            a.i64(n).shape(l.size()).ops(ptrs, dts, l.strides());
            extra.accept(a);
            a.i32(vec ? 1 : 0);
            launch("elementwise.cu", kernel, grid(vec ? n / 8 : n), BLOCK, 0, a);
        }
    }

    /** True when every thread can move 8 consecutive elements with 16-byte accesses (see load8/store8). */
    private static boolean vectorizable(Strided l, long[] ptrs, Tensor out, Tensor[] ins) {
        int r = l.rank();
        if (l.size()[r - 1] % 8 != 0 || l.inner(0) != 1) return false;
        for (int k = 0; k < ptrs.length; k++) {
            DType t = k == 0 ? out.dtype() : ins[k - 1].dtype();
            if (!isFloat(t)) return false;
            long inner = l.inner(k);
            if (inner == 0) continue;
            if (inner != 1 || ptrs[k] % 16 != 0) return false;
            for (int d = 0; d < r - 1; d++) if ((l.strides()[k][d] * t.byteSize()) % 16 != 0) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- elementwise

    private static final int UNARY_IDENTITY = 100, UNARY_CLAMP = 101;
    private static final int BIN_ADD = 0, BIN_SUB = 1, BIN_MUL = 2, BIN_DIV = 3;
    private static final int TER_MODULATE = 0, TER_GATED = 1;

    /** Result dtype of a binary op: equal dtypes stay, otherwise the wider float (as PyTorch promotes). */
    static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (isFloat(a) && !isFloat(b)) return a;
        if (isFloat(b) && !isFloat(a)) return b;
        return DType.F32;
    }

    static int[] broadcast(String op, int[]... shapes) {
        int r = 0;
        for (int[] s : shapes) r = Math.max(r, s.length);
        int[] out = new int[r];
        Arrays.fill(out, 1);
        for (int[] s : shapes) {
            for (int i = 0; i < s.length; i++) {
                int d = r - s.length + i;
                if (s[i] == out[d] || s[i] == 1) continue;
                if (out[d] != 1) {
                    StringBuilder all = new StringBuilder();
                    for (int[] t : shapes) all.append(all.isEmpty() ? "" : " and ").append(ShapeException.fmt(t));
                    throw new ShapeException(op, "shapes " + all + " do not broadcast (dimension " + d + ": sizes must match or be 1)");
                }
                out[d] = s[i];
            }
        }
        return out;
    }

    private Tensor binary(String op, int code, Tensor a, Tensor b) {
        int[] shape = broadcast(op, a.shape(), b.shape());
        Tensor out = alloc(promote(a.dtype(), b.dtype()), shape);
        pointwise("ew_binary", out, new Tensor[] {a.expand(shape), b.expand(shape)}, args -> args.i32(code));
        return out;
    }

    @Override public Tensor add(Tensor a, Tensor b) { return binary("add", BIN_ADD, a, b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return binary("sub", BIN_SUB, a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return binary("mul", BIN_MUL, a, b); }
    @Override public Tensor div(Tensor a, Tensor b) { return binary("div", BIN_DIV, a, b); }

    private void unaryInto(Tensor out, Tensor in, int op, float alpha, float beta) {
        pointwise("ew_unary", out, new Tensor[] {in}, args -> args.i32(op).f32(alpha).f32(beta));
    }

    private Tensor unaryOp(int op, Tensor a, float alpha, float beta) {
        Tensor out = alloc(isFloat(a.dtype()) ? a.dtype() : DType.F32, a.shape());
        unaryInto(out, a, op, alpha, beta);
        return out;
    }

    @Override public Tensor scale(Tensor a, float s) { return unaryOp(UNARY_IDENTITY, a, s, 0f); }
    @Override public Tensor addScalar(Tensor a, float s) { return unaryOp(UNARY_IDENTITY, a, 1f, s); }
    @Override public Tensor unary(Unary op, Tensor a) { return unaryOp(op.ordinal(), a, 1f, 0f); }

    @Override public Tensor clamp(Tensor x, float min, float max) { return unaryOp(UNARY_CLAMP, x, min, max); }

    /** {@code x · (1 + scale) + shift} in fp32, in x's dtype; shift/scale broadcast to x. */
    @Override public Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        int[] shape = broadcast("modulate", x.shape(), shift.shape(), scale.shape());
        Tensor out = alloc(x.dtype(), shape);
        pointwise("ew_ternary", out, new Tensor[] {x.expand(shape), scale.expand(shape), shift.expand(shape)}, args -> args.i32(TER_MODULATE));
        return out;
    }

    /** {@code x + y · gate} in fp32, in x's dtype. */
    @Override public Tensor gatedResidual(Tensor x, Tensor y, Tensor gate) {
        int[] shape = broadcast("gatedResidual", x.shape(), y.shape(), gate.shape());
        Tensor out = alloc(x.dtype(), shape);
        pointwise("ew_ternary", out, new Tensor[] {x.expand(shape), y.expand(shape), gate.expand(shape)}, args -> args.i32(TER_GATED));
        return out;
    }

    /** Interleaved-pair rotary embedding in fp32: x [B, L, H, D], cos/sin [L, D/2]; result in x's dtype. */
    @Override public Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        int[] s = x.shape();
        if (s.length != 4 || s[3] % 2 != 0) throw new ShapeException("rope", "x must be [B, L, H, D] with even D, got " + ShapeException.fmt(s));
        int half = s[3] / 2;
        for (Tensor t : new Tensor[] {cos, sin}) {
            if (t.numel() != (long) s[1] * half) throw new ShapeException("rope", "cos/sin must hold [L, D/2] = [" + s[1] + ", " + half + "], got " + ShapeException.fmt(t.shape()));
        }
        Tensor c = cos.contiguous(), n = sin.contiguous();
        if (n.dtype() != c.dtype()) n = n.to(c.dtype());
        Tensor out = alloc(x.dtype(), s);
        long pairs = (long) s[0] * s[1] * s[2] * half;
        if (pairs == 0) return out;
        if (x.isContiguous() && s[3] % 8 == 0 && isFloat(x.dtype()) && c.dtype() == DType.F32 && (addr(x) & 15) == 0) {
            long total8 = pairs / 4;
            try (KernelArgs a = new KernelArgs()) {
                a.ptr(addr(x)).i32(x.dtype().ordinal()).ptr(addr(c)).ptr(addr(n)).ptr(addr(out)).i32(out.dtype().ordinal())
                        .i32(s[1]).i32(s[2]).i32(s[3]).i64(total8);
                launch("misc.cu", "rope_interleaved_vec", grid(total8), BLOCK, 0, a);
            }
            return out;
        }
        Tensor xs = x.stride(3) == 1 ? x : contiguous(x);
        try (KernelArgs a = new KernelArgs()) {
            a.ptr(addr(xs)).i32(xs.dtype().ordinal()).i64(xs.stride(0)).i64(xs.stride(1)).i64(xs.stride(2)).ptr(addr(c)).ptr(addr(n))
                    .i32(c.dtype().ordinal()).ptr(addr(out)).i32(out.dtype().ordinal()).i32(s[0]).i32(s[1]).i32(s[2]).i32(s[3]);
            launch("misc.cu", "rope_interleaved", grid(pairs), BLOCK, 0, a);
        }
        return out;
    }

    // ---------------------------------------------------------------- linear algebra

    CublasLt blas() {
        CublasLt b = blas;
        if (b == null) {
            synchronized (this) {
                if (blas == null) {
                    bind();
                    blas = new CublasLt();
                    workspace = allocate(CublasLt.WORKSPACE_BYTES);
                }
                b = blas;
            }
        }
        return b;
    }

    long workspace() {
        blas();
        return workspace;
    }

    @Override public Tensor matmul(Tensor a, Tensor b) { return CudaLinalg.matmul(this, a, b, 1f); }

    @Override public Tensor linear(Tensor x, Tensor w, Tensor bias) { return CudaLinalg.linear(this, x, w, bias, false); }

    /** {@code gelu_tanh(x · wᵀ + bias)} with the activation fused into cuBLASLt's epilogue. */
    @Override public Tensor linearGeluTanh(Tensor x, Tensor w, Tensor bias) { return CudaLinalg.linear(this, x, w, bias, true); }

    @Override public Tensor conv3d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) {
        return CudaLinalg.conv3d(this, x, w, bias, stride, padding);
    }

    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) {
        if (x.rank() != 4 || w.rank() != 4) throw new ShapeException("conv2d", "x must be [B, C, H, W] and w [Cout, Cin, kh, kw], got " + ShapeException.fmt(x.shape()) + " and " + ShapeException.fmt(w.shape()));
        Tensor y = CudaLinalg.conv3d(this, x.unsqueeze(2), w.unsqueeze(2), bias, new int[] {1, stride[0], stride[1]}, new int[] {0, padding[0], padding[1]});
        return y.squeeze(2);
    }

    /** Adds {@code b} (broadcast) into {@code out} in place. */
    void addInPlace(Tensor out, Tensor b) {
        pointwise("ew_binary", out, new Tensor[] {out, b.expand(out.shape())}, args -> args.i32(BIN_ADD));
    }

    // ---------------------------------------------------------------- normalisation

    private static int rowBlock(int d) {
        int t = (d / 4 + 31) / 32 * 32;
        return Math.max(32, Math.min(512, t));
    }

    private Tensor rowsOf(String op, Tensor x) {
        if (x.rank() == 0) throw new ShapeException(op, "needs at least one dimension");
        return x.contiguous();
    }

    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return norm("layerNorm", x, weight, bias, eps, false);
    }

    @Override public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        return norm("rmsNorm", x, weight, null, eps, true);
    }

    /** Layer or RMS norm over the last dim, fp32 statistics; the vectorised kernel keeps each row in registers. */
    private Tensor norm(String op, Tensor x, Tensor weight, Tensor bias, float eps, boolean rms) {
        Tensor xc = rowsOf(op, x);
        int d = x.size(-1);
        checkVector(op, "weight", weight, d);
        checkVector(op, "bias", bias, d);
        Tensor out = alloc(x.dtype(), x.shape());
        long rows = d == 0 ? 0 : x.numel() / d;
        if (rows == 0) return out;
        Tensor w = weight == null ? null : weight.contiguous(), b = bias == null ? null : bias.contiguous();
        int chunks = d / 8;
        boolean vec = d % 8 == 0 && chunks <= 4 * 1024 && isFloat(x.dtype()) && (addr(xc) & 15) == 0 && (addr(out) & 15) == 0
                && (w == null || (isFloat(w.dtype()) && (addr(w) & 15) == 0)) && (b == null || (isFloat(b.dtype()) && (addr(b) & 15) == 0));
        try (KernelArgs a = new KernelArgs()) {
            a.ptr(addr(xc)).i32(xc.dtype().ordinal()).ptr(addr(out)).i32(out.dtype().ordinal());
            a.ptr(w == null ? 0 : addr(w)).i32(w == null ? 0 : w.dtype().ordinal());
            if (vec) {
                a.ptr(b == null ? 0 : addr(b)).i32(b == null ? 0 : b.dtype().ordinal()).i32(d).f32(eps).i32(rms ? 1 : 0);
                int block = Math.max(32, Math.min(1024, ((chunks + 1) / 2 + 31) / 32 * 32));
                while (block * 4 < chunks) block += 32;
                launch("norm.cu", "norm_rows_vec", (int) rows, block, 0, a);
            } else if (rms) {
                a.i32(d).f32(eps);
                launch("norm.cu", "rms_norm", (int) rows, rowBlock(d), 0, a);
            } else {
                a.ptr(b == null ? 0 : addr(b)).i32(b == null ? 0 : b.dtype().ordinal()).i32(d).f32(eps);
                launch("norm.cu", "layer_norm", (int) rows, rowBlock(d), 0, a);
            }
        }
        return out;
    }

    private static void checkVector(String op, String what, Tensor v, int d) {
        if (v != null && v.numel() != d) throw new ShapeException(op, what + " of shape " + ShapeException.fmt(v.shape()) + " does not match the last dimension " + d);
    }

    @Override public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        if (x.rank() < 2) throw new ShapeException("groupNorm", "x must be [B, C, ...], got " + ShapeException.fmt(x.shape()));
        int b = x.size(0), c = x.size(1);
        if (groups <= 0 || c % groups != 0) throw new ShapeException("groupNorm", c + " channels do not split into " + groups + " groups");
        checkVector("groupNorm", "weight", weight, c);
        checkVector("groupNorm", "bias", bias, c);
        Tensor xc = x.contiguous();
        Tensor out = alloc(x.dtype(), x.shape());
        long total = x.numel();
        if (total == 0) return out;
        long spatial = total / ((long) b * c);
        long n = (long) (c / groups) * spatial;
        int bg = b * groups;
        int chunks = (int) Math.max(1, Math.min((n + 8191) / 8192, Math.max(1, 4L * smCount / bg)));
        Tensor stats = zeros(DType.I64, bg * 2);  // doubles; I64 is the 8-byte storage
        try {
            try (KernelArgs a = new KernelArgs()) {
                a.ptr(addr(xc)).i32(xc.dtype().ordinal()).i64(n).i32(chunks).ptr(addr(stats));
                launch("norm.cu", "group_stats", bg * chunks, BLOCK, 0, a);
            }
            Tensor w = weight == null ? null : weight.contiguous(), bb = bias == null ? null : bias.contiguous();
            try (KernelArgs a = new KernelArgs()) {
                a.ptr(addr(xc)).i32(xc.dtype().ordinal()).ptr(addr(out)).i32(out.dtype().ordinal()).ptr(addr(stats));
                a.ptr(w == null ? 0 : addr(w)).i32(w == null ? 0 : w.dtype().ordinal()).ptr(bb == null ? 0 : addr(bb)).i32(bb == null ? 0 : bb.dtype().ordinal());
                a.i32(c).i32(groups).i64(spatial).f32(eps).i64(total);
                launch("norm.cu", "group_apply", grid(total), BLOCK, 0, a);
            }
        } finally {
            stats.free();
        }
        return out;
    }

    @Override public Tensor softmax(Tensor x) {
        Tensor out = alloc(x.dtype(), x.shape());
        softmaxInto(rowsOf("softmax", x), out);
        return out;
    }

    /** Row softmax of contiguous x into contiguous out (may be x itself). */
    void softmaxInto(Tensor x, Tensor out) {
        int d = x.size(-1);
        long rows = d == 0 ? 0 : x.numel() / d;
        if (rows == 0) return;
        try (KernelArgs a = new KernelArgs()) {
            a.ptr(addr(x)).i32(x.dtype().ordinal()).ptr(addr(out)).i32(out.dtype().ordinal()).i32(d);
            launch("norm.cu", "softmax_rows", (int) rows, rowBlock(d), 0, a);
        }
    }

    /** Which kernel runs unbiased bf16/fp16 attention. */
    public enum AttentionEngine {
        /** cuDNN 9's fused flash attention when libcudnn.so.9 loads (falls back to FLASH otherwise). */
        CUDNN,
        /** Reel's own flash kernel (attention.cu). */
        FLASH
    }

    /** The engine for unbiased bf16/fp16 attention (default {@link AttentionEngine#CUDNN}). */
    public AttentionEngine attentionEngine() { return attentionEngine; }

    /** Chooses the engine for unbiased bf16/fp16 attention (both are exact up to bf16 rounding). */
    public void setAttentionEngine(AttentionEngine engine) { this.attentionEngine = java.util.Objects.requireNonNull(engine); }

    /** cuDNN's attention, or null when libcudnn.so.9 is missing (said once on stderr). */
    Cudnn cudnn() {
        Cudnn c = cudnn;
        if (c != null || cudnnMissing) return c;
        synchronized (this) {
            if (cudnn == null && !cudnnMissing) {
                try {
                    bind();
                    cudnn = new Cudnn(this);
                } catch (RuntimeException e) {
                    cudnnMissing = true;
                    System.err.println("reel: cuDNN not usable, attention runs Reel's flash kernel: " + e.getMessage());
                }
            }
            return cudnn;
        }
    }

    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        return CudaAttention.attention(this, q, k, v, bias, scale);
    }

    // ---------------------------------------------------------------- reductions

    private Tensor reduce(String op, int kind, Tensor x, int dim, boolean keepDim) {
        int a = x.axis(dim);
        int[] s = x.shape();
        long outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= s[i];
        for (int i = a + 1; i < s.length; i++) inner *= s[i];
        long r = s[a];
        int[] os = keepDim ? s.clone() : new int[s.length - 1];
        if (keepDim) os[a] = 1;
        else for (int i = 0, j = 0; i < s.length; i++) if (i != a) os[j++] = s[i];
        if (r == 0) throw new ShapeException(op, "cannot reduce an empty dimension " + a + " of " + ShapeException.fmt(s));
        Tensor xc = x.contiguous();
        Tensor out = alloc(isFloat(x.dtype()) ? x.dtype() : DType.F32, os);
        if (out.numel() == 0) return out;
        try (KernelArgs k = new KernelArgs()) {
            if (inner == 1) {
                k.ptr(addr(xc)).i32(xc.dtype().ordinal()).ptr(addr(out)).i32(out.dtype().ordinal()).i64(r).i32(kind);
                launch("norm.cu", "reduce_rows", (int) outer, BLOCK, 0, k);
            } else {
                k.ptr(addr(xc)).i32(xc.dtype().ordinal()).ptr(addr(out)).i32(out.dtype().ordinal()).i64(outer).i64(r).i64(inner).i32(kind);
                launch("norm.cu", "reduce_cols", grid(outer * inner), BLOCK, 0, k);
            }
        }
        return out;
    }

    @Override public Tensor sum(Tensor x, int dim, boolean keepDim) { return reduce("sum", 0, x, dim, keepDim); }
    @Override public Tensor mean(Tensor x, int dim, boolean keepDim) { return reduce("mean", 1, x, dim, keepDim); }
    @Override public Tensor max(Tensor x, int dim, boolean keepDim) { return reduce("max", 2, x, dim, keepDim); }
    @Override public Tensor norm(Tensor x, int dim, boolean keepDim) { return reduce("norm", 3, x, dim, keepDim); }

    // ---------------------------------------------------------------- structure

    @Override public Tensor concat(int dim, Tensor... xs) {
        if (xs.length == 0) throw new ShapeException("concat", "needs at least one tensor");
        int a = xs[0].axis(dim);
        int[] shape = xs[0].shape();
        DType dt = xs[0].dtype();
        int total = 0;
        for (Tensor t : xs) {
            int[] s = t.shape();
            if (s.length != shape.length) throw new ShapeException("concat", "ranks differ: " + ShapeException.fmt(shape) + " and " + ShapeException.fmt(s));
            for (int i = 0; i < s.length; i++) {
                if (i != a && s[i] != shape[i]) throw new ShapeException("concat", "shapes " + ShapeException.fmt(shape) + " and " + ShapeException.fmt(s) + " differ outside dimension " + a);
            }
            total += s[a];
            dt = promote(dt, t.dtype());
        }
        shape[a] = total;
        Tensor out = alloc(dt, shape);
        int at = 0;
        for (Tensor t : xs) {
            int n = t.size(a);
            if (n > 0) copyInto(out.narrow(a, at, n), t);
            at += n;
        }
        return out;
    }

    @Override public Tensor pad(Tensor x, int[] pads, float value) {
        int r = x.rank();
        if (pads.length % 2 != 0 || pads.length / 2 > r) throw new ShapeException("pad", "pads " + Arrays.toString(pads) + " must be (before, after) pairs for at most " + r + " dimensions");
        int[] s = x.shape();
        int[] os = s.clone();
        Tensor src = x;
        for (int i = 0; i < pads.length / 2; i++) {
            int d = r - 1 - i;
            os[d] = s[d] + pads[2 * i] + pads[2 * i + 1];
            if (os[d] < 0) throw new ShapeException("pad", "pads " + Arrays.toString(pads) + " crop dimension " + d + " of " + ShapeException.fmt(s) + " below zero");
        }
        Tensor out = alloc(x.dtype(), os);
        fill(out, value);
        Tensor dst = out;
        for (int i = 0; i < pads.length / 2; i++) {
            int d = r - 1 - i, before = pads[2 * i], after = pads[2 * i + 1];
            int cropLo = Math.max(0, -before), cropHi = Math.max(0, -after);
            int len = s[d] - cropLo - cropHi;
            if (len <= 0) return out;
            src = src.narrow(d, cropLo, len);
            dst = dst.narrow(d, Math.max(0, before), len);
        }
        copyInto(dst, src);
        return out;
    }

    @Override public Tensor embedding(Tensor weight, int[] ids, int... idsShape) {
        if (weight.rank() != 2) throw new ShapeException("embedding", "weight must be [V, D], got " + ShapeException.fmt(weight.shape()));
        if (Tensor.numel(idsShape) != ids.length) throw new ShapeException("embedding", ids.length + " ids do not fill shape " + ShapeException.fmt(idsShape));
        int v = weight.size(0), d = weight.size(1);
        for (int id : ids) if (id < 0 || id >= v) throw new ShapeException("embedding", "id " + id + " is outside the vocabulary [0, " + v + ")");
        int[] os = Arrays.copyOf(idsShape, idsShape.length + 1);
        os[idsShape.length] = d;
        Tensor out = alloc(weight.dtype(), os);
        if (ids.length == 0 || d == 0) return out;
        Tensor w = weight.contiguous();
        float[] f = new float[ids.length];
        for (int i = 0; i < ids.length; i++) f[i] = ids[i];
        Tensor idt = fromFloats(f, DType.I32, ids.length);
        try (KernelArgs a = new KernelArgs()) {
            a.ptr(addr(w)).i32(w.dtype().ordinal()).ptr(addr(idt)).ptr(addr(out)).i32(out.dtype().ordinal()).i64(ids.length).i32(d);
            launch("misc.cu", "embedding_gather", grid((long) ids.length * d), BLOCK, 0, a);
        } finally {
            idt.free();
        }
        return out;
    }

    @Override public Tensor upsampleNearest2x(Tensor x) {
        int r = x.rank();
        if (r < 2) throw new ShapeException("upsampleNearest2x", "needs at least 2 dimensions, got " + ShapeException.fmt(x.shape()));
        int[] s = x.shape();
        int h = s[r - 2], w = s[r - 1];
        int[] os = s.clone();
        os[r - 2] = 2 * h;
        os[r - 1] = 2 * w;
        Tensor out = alloc(x.dtype(), os);
        // out viewed as [..., H, 2, W, 2] receives x broadcast as [..., H, 1, W, 1]
        int[] split = Arrays.copyOf(s, r + 2);
        split[r - 2] = h;
        split[r - 1] = 2;
        split[r] = w;
        split[r + 1] = 2;
        Tensor src = x.unsqueeze(r).unsqueeze(r - 1).expand(split);
        copyInto(out.view(split), src);
        return out;
    }

    // ---------------------------------------------------------------- timing and graphs

    /** Starts a GPU timer on this backend's stream. */
    public CudaTimer timer() {
        bind();
        return new CudaTimer(this);
    }

    /**
     * Captures the work {@code body} queues into a CUDA graph for cheap replay. The body must not read values
     * back to the host; tensors it allocates must be freed inside it (open a {@link dev.reel.core.Scope}), and it
     * should write its results into tensors made before the capture.
     */
    public CudaGraph capture(Runnable body) {
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

    @Override public String toString() { return "CudaBackend[" + device + ", " + name + ", sm_" + ccMajor + ccMinor + "]"; }
}
