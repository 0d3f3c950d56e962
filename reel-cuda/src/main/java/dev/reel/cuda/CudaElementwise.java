package dev.reel.cuda;

import dev.reel.core.AdamWStep;
import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Pointwise ops on the {@code elementwise.cu} kernels: unary, binary and ternary maps over strided, broadcast
 * operands (dims coalesced by {@link Strided}, 16-byte vector accesses where sizes, strides and alignment allow),
 * casts and strided copies, fills. Every other family writes its strided results through {@link #copyInto}.
 */
final class CudaElementwise {
    private static final String FILE = "elementwise.cu";

    private final CudaDevice dev;
    private final CudaAllocator out;

    CudaElementwise(CudaDevice dev, CudaAllocator out) {
        this.dev = dev;
        this.out = out;
    }

    /** True for the dtypes the kernels compute on (fp32, bf16, fp16). */
    static boolean isFloat(DType t) { return t == DType.F32 || t == DType.BF16 || t == DType.F16; }

    /** Result dtype of a binary op: equal dtypes stay, otherwise the wider float (as PyTorch promotes). */
    static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (isFloat(a) && !isFloat(b)) return a;
        if (isFloat(b) && !isFloat(a)) return b;
        return DType.F32;
    }

    /** The broadcast shape of {@code shapes} (NumPy rules); the error names every shape. */
    static int[] broadcast(String op, int[]... shapes) {
        int r = 0;
        for (int[] s : shapes) r = Math.max(r, s.length);
        int[] res = new int[r];
        Arrays.fill(res, 1);
        for (int[] s : shapes) {
            for (int i = 0; i < s.length; i++) {
                int d = r - s.length + i;
                if (s[i] == res[d] || s[i] == 1) continue;
                if (res[d] != 1) {
                    StringBuilder all = new StringBuilder();
                    for (int[] t : shapes) all.append(all.isEmpty() ? "" : " and ").append(ShapeException.fmt(t));
                    throw new ShapeException(op, "shapes " + all + " do not broadcast (dimension " + d + ": sizes must match or be 1)");
                }
                res[d] = s[i];
            }
        }
        return res;
    }

    /**
     * Launches one of the pointwise kernels over {@code dst} and {@code ins} (already expanded to dst's shape);
     * {@code extra} appends the kernel's own parameters before the trailing {@code vec} flag.
     */
    private void pointwise(String kernel, Tensor dst, Tensor[] ins, Consumer<KernelArgs> extra) {
        long n = dst.numel();
        if (n == 0) return;
        int k = ins.length + 1;
        long[][] strides = new long[k][];
        long[] ptrs = new long[k];
        int[] dts = new int[k];
        strides[0] = dst.strides();
        ptrs[0] = dev.addr(dst);
        dts[0] = KernelAbi.dtype(dst.dtype());
        for (int i = 0; i < ins.length; i++) {
            strides[i + 1] = ins[i].strides();
            ptrs[i + 1] = dev.addr(ins[i]);
            dts[i + 1] = KernelAbi.dtype(ins[i].dtype());
        }
        Strided l = Strided.of(kernel, dst.shape(), strides);
        boolean vec = vectorizable(l, ptrs, dst, ins);
        try (KernelArgs a = new KernelArgs()) {
            a.i64(n).shape(l.size()).ops(ptrs, dts, l.strides());
            extra.accept(a);
            a.i32(vec ? 1 : 0);
            dev.launch(FILE, kernel, dev.grid(vec ? n / 8 : n), CudaDevice.BLOCK, 0, a);
        }
    }

    /** True when every thread can move 8 consecutive elements with 16-byte accesses (see load8/store8). */
    private static boolean vectorizable(Strided l, long[] ptrs, Tensor dst, Tensor[] ins) {
        int r = l.rank();
        if (l.size()[r - 1] % 8 != 0 || l.inner(0) != 1) return false;
        for (int k = 0; k < ptrs.length; k++) {
            DType t = k == 0 ? dst.dtype() : ins[k - 1].dtype();
            if (!isFloat(t)) return false;
            long inner = l.inner(k);
            if (inner == 0) continue;
            if (inner != 1 || ptrs[k] % 16 != 0) return false;
            for (int d = 0; d < r - 1; d++) if ((l.strides()[k][d] * t.byteSize()) % 16 != 0) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- copies and fills

    /** Writes {@code value} into every element of a contiguous tensor. */
    void fill(Tensor contiguous, float value) {
        long n = contiguous.numel();
        if (n == 0) return;
        try (KernelArgs a = new KernelArgs()) {
            a.i64(n).ptr(dev.addr(contiguous)).dtype(contiguous.dtype()).f32(value);
            dev.launch(FILE, "ew_fill", dev.grid(n), CudaDevice.BLOCK, 0, a);
        }
    }

    /** Fills a contiguous tensor with {@link dev.reel.core.SeededUniform}'s values, drawn on the device. */
    void uniform(Tensor contiguous, long seed, double lo, double hi, double offset) {
        long n = contiguous.numel();
        if (n == 0) return;
        try (KernelArgs a = new KernelArgs()) {
            a.i64(n).ptr(dev.addr(contiguous)).dtype(contiguous.dtype()).i64(seed).f64(lo).f64(hi).f64(offset);
            dev.launch(FILE, "ew_uniform", dev.grid(n), CudaDevice.BLOCK, 0, a);
        }
    }

    /** Writes {@code src} (broadcast to dst's shape, converted to dst's dtype) into the view {@code dst}. */
    void copyInto(Tensor dst, Tensor src) {
        Tensor s = src.expand(dst.shape());
        if (s.dtype() == dst.dtype() && !isFloat(dst.dtype())) {
            long n = dst.numel();
            if (n == 0) return;
            Strided l = Strided.of("copyInto", dst.shape(), dst.strides(), s.strides());
            try (KernelArgs a = new KernelArgs()) {
                a.i64(n).shape(l.size()).ops(new long[] {dev.addr(dst), dev.addr(s)}, new int[] {KernelAbi.dtype(dst.dtype()), KernelAbi.dtype(s.dtype())}, l.strides())
                        .i32(dst.dtype().byteSize());
                dev.launch(FILE, "ew_copy_raw", dev.grid(n), CudaDevice.BLOCK, 0, a);
            }
            return;
        }
        unaryInto(dst, s, KernelAbi.UNARY_IDENTITY, 1f, 0f);
    }

    /** A dense copy of any view. */
    Tensor contiguous(Tensor t) {
        Tensor o = out.empty(t.dtype(), t.shape());
        copyInto(o, t);
        return o;
    }

    /** A fresh copy of a contiguous tensor. */
    Tensor copy(Tensor t) {
        Tensor o = out.empty(t.dtype(), t.shape());
        dev.copyOnDevice(dev.addr(o), dev.addr(t), t.numel() * t.dtype().byteSize());
        return o;
    }

    Tensor cast(Tensor t, DType dtype) {
        if (!dtype.isFloating() && dtype != DType.I64 && dtype != DType.I32) throw new ReelException("cast: unsupported target dtype " + dtype);
        if (dtype == DType.F8_E4M3) throw new ReelException("cast: F8_E4M3 is a storage format; cast to F32, BF16 or F16");
        Tensor o = out.empty(dtype, t.shape());
        copyInto(o, t);
        return o;
    }

    // ---------------------------------------------------------------- maps

    private Tensor binary(String op, int code, Tensor a, Tensor b) {
        int[] shape = broadcast(op, a.shape(), b.shape());
        Tensor o = out.empty(promote(a.dtype(), b.dtype()), shape);
        pointwise("ew_binary", o, new Tensor[] {a.expand(shape), b.expand(shape)}, args -> args.i32(code));
        return o;
    }

    Tensor add(Tensor a, Tensor b) { return binary("add", KernelAbi.BINARY_ADD, a, b); }
    Tensor sub(Tensor a, Tensor b) { return binary("sub", KernelAbi.BINARY_SUB, a, b); }
    Tensor mul(Tensor a, Tensor b) { return binary("mul", KernelAbi.BINARY_MUL, a, b); }
    Tensor div(Tensor a, Tensor b) { return binary("div", KernelAbi.BINARY_DIV, a, b); }

    /** Adds {@code b} (broadcast) into {@code dst} in place. */
    void addInPlace(Tensor dst, Tensor b) {
        pointwise("ew_binary", dst, new Tensor[] {dst, b.expand(dst.shape())}, args -> args.i32(KernelAbi.BINARY_ADD));
    }

    private void unaryInto(Tensor dst, Tensor in, int code, float alpha, float beta) {
        pointwise("ew_unary", dst, new Tensor[] {in}, args -> args.i32(code).f32(alpha).f32(beta));
    }

    private Tensor unary(int code, Tensor a, float alpha, float beta) {
        Tensor o = out.empty(isFloat(a.dtype()) ? a.dtype() : DType.F32, a.shape());
        unaryInto(o, a, code, alpha, beta);
        return o;
    }

    /** {@code a·s + b}. */
    Tensor affine(Tensor a, float s, float b) { return unary(KernelAbi.UNARY_IDENTITY, a, s, b); }

    Tensor unary(Backend.Unary op, Tensor a) { return unary(KernelAbi.unary(op), a, 1f, 0f); }

    Tensor clamp(Tensor x, float min, float max) { return unary(KernelAbi.UNARY_CLAMP, x, min, max); }

    /**
     * {@link Backend#geluTanhBackward}: {@code g · gelu_tanh'(x)} in one pass over any layouts of x and g (one shape),
     * in x's dtype; null where a dtype is not fp32, bf16 or fp16.
     */
    Tensor geluTanhBackward(Tensor x, Tensor g) {
        if (!Arrays.equals(x.shape(), g.shape())) {
            throw new ShapeException("geluTanhBackward", "the gradient's shape " + ShapeException.fmt(g.shape()) + " is not x's " + ShapeException.fmt(x.shape()));
        }
        if (!isFloat(x.dtype()) || !isFloat(g.dtype())) return null;
        Tensor o = out.empty(x.dtype(), x.shape());
        pointwise("ew_gelu_tanh_bwd", o, new Tensor[] {x, g}, args -> {});
        return o;
    }

    /** {@code x · (1 + scale) + shift} in fp32, in x's dtype; shift/scale broadcast to x. */
    Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        int[] shape = broadcast("modulate", x.shape(), shift.shape(), scale.shape());
        Tensor o = out.empty(x.dtype(), shape);
        pointwise("ew_ternary", o, new Tensor[] {x.expand(shape), scale.expand(shape), shift.expand(shape)}, args -> args.i32(KernelAbi.TERNARY_MODULATE));
        return o;
    }

    /** {@code x + y · gate} in fp32, in x's dtype. */
    Tensor gatedResidual(Tensor x, Tensor y, Tensor gate) {
        int[] shape = broadcast("gatedResidual", x.shape(), y.shape(), gate.shape());
        Tensor o = out.empty(x.dtype(), shape);
        pointwise("ew_ternary", o, new Tensor[] {x.expand(shape), y.expand(shape), gate.expand(shape)}, args -> args.i32(KernelAbi.TERNARY_GATED));
        return o;
    }

    /** {@link dev.reel.core.Backend#adamw} in one kernel when all four tensors are contiguous fp32 of one size; false otherwise. */
    boolean adamw(Tensor p, Tensor g, Tensor m, Tensor v, AdamWStep s) {
        if (!AdamWStep.onePass(p, g, m, v)) return false;
        long n = p.numel();
        if (n == 0) return true;
        try (KernelArgs a = new KernelArgs()) {
            a.i64(n).ptr(dev.addr(p)).ptr(dev.addr(g)).ptr(dev.addr(m)).ptr(dev.addr(v));
            a.f32(s.beta1()).f32(s.beta2()).f32(s.eps()).f32(s.decay()).f32(s.stepSize()).f32(1f / s.bc2Sqrt()).f32(s.gradScale());
            dev.launch("optim.cu", "adamw_f32", dev.grid(n), CudaDevice.BLOCK, 0, a);
        }
        return true;
    }
}
