package dev.reel.core.cpu;

import dev.reel.core.AdamWStep;
import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Half;
import dev.reel.core.MemoryStats;
import dev.reel.core.ReelException;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The CPU backend: fp32 compute on Java arrays (Vector API kernels, a fixed worker pool). */
public final class CpuBackend implements Backend {
    private static final CpuBackend INSTANCE = new CpuBackend();

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private CpuBackend() {}

    /** The single CPU backend. */
    public static CpuBackend instance() { return INSTANCE; }

    /** Threads the backend computes with: its workers plus the calling thread. */
    public int threads() { return WorkerPool.THREADS; }

    /**
     * Runs {@code body} for every index in {@code [0, n)} on the backend's threads, one index per chunk: for
     * measuring the threads themselves (the benchmarks' FMA peak).
     */
    public void parallelFor(int n, java.util.function.IntConsumer body) {
        WorkerPool.parallelFor(n, 1, (start, end) -> { for (int i = start; i < end; i++) body.accept(i); });
    }

    @Override public Device device() { return Device.CPU; }

    /** Bytes of live CPU tensors (counted per storage; the JVM heap's own overhead is not included). */
    @Override public MemoryStats memoryStats() { return CpuMemory.stats(); }

    @Override public void resetPeakMemory() { CpuMemory.resetPeak(); }

    // ---------------------------------------------------------------- memory

    @Override public Tensor empty(DType dtype, int... shape) { return zeros(dtype, shape); }

    @Override public Tensor zeros(DType dtype, int... shape) {
        return new Tensor(CpuStorage.allocate(dtype, Tensor.numel(shape)), shape);
    }

    @Override public Tensor full(float value, DType dtype, int... shape) {
        float[] f = new float[Math.toIntExact(Tensor.numel(shape))];
        java.util.Arrays.fill(f, value);
        return fromFloats(f, dtype, shape);
    }

    @Override public Tensor fromFloats(float[] data, DType dtype, int... shape) {
        if (data.length != Tensor.numel(shape)) throw new ShapeException("fromFloats", data.length + " values do not fill shape " + ShapeException.fmt(shape));
        if (dtype == DType.F32) return new Tensor(CpuStorage.wrap(data.clone()), shape);
        Tensor t = zeros(dtype, shape);
        writeFloats((CpuStorage) t.storage(), 0, data);
        return t;
    }

    @Override public Tensor fromSegment(MemorySegment src, DType srcType, DType dtype, int... shape) {
        long n = Tensor.numel(shape);
        if (src.byteSize() < n * srcType.byteSize()) throw new ShapeException("fromSegment", "segment of " + src.byteSize() + " bytes is too small for " + srcType + ShapeException.fmt(shape));
        if (srcType == dtype) {
            CpuStorage s = CpuStorage.allocate(dtype, n);
            Object a = s.array();
            switch (dtype) {
                case F32 -> MemorySegment.copy(src, F32_LE, 0, (float[]) a, 0, (int) n);
                case BF16, F16 -> MemorySegment.copy(src, I16_LE, 0, (short[]) a, 0, (int) n);
                case I64 -> MemorySegment.copy(src, I64_LE, 0, (long[]) a, 0, (int) n);
                case I32 -> MemorySegment.copy(src, I32_LE, 0, (int[]) a, 0, (int) n);
                case F8_E4M3, U8 -> MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 0, (byte[]) a, 0, (int) n);
            }
            return new Tensor(s, shape);
        }
        float[] f = new float[Math.toIntExact(n)];
        for (int i = 0; i < f.length; i++) {
            f[i] = switch (srcType) {
                case F32 -> src.getAtIndex(F32_LE, i);
                case BF16 -> Half.bf16ToFloat(src.getAtIndex(I16_LE, i));
                case F16 -> Half.f16ToFloat(src.getAtIndex(I16_LE, i));
                case F8_E4M3 -> Half.f8e4m3ToFloat(src.get(ValueLayout.JAVA_BYTE, i));
                case I64 -> (float) src.getAtIndex(I64_LE, i);
                case I32 -> (float) src.getAtIndex(I32_LE, i);
                case U8 -> (float) (src.get(ValueLayout.JAVA_BYTE, i) & 0xff);
            };
        }
        return fromFloats(f, dtype, shape);
    }

    @Override public float[] toFloatArray(Tensor t) {
        checkCpu("toFloatArray", t);
        int n = Math.toIntExact(t.numel());
        float[] out = new float[n];
        CpuStorage s = (CpuStorage) t.storage();
        Object a = s.array();
        StridedIndex it = new StridedIndex(t.shape(), t.strides(), t.offset());
        for (int i = 0; i < n; i++) {
            int p = (int) it.next();
            out[i] = switch (t.dtype()) {
                case F32 -> ((float[]) a)[p];
                case BF16 -> Half.bf16ToFloat(((short[]) a)[p]);
                case F16 -> Half.f16ToFloat(((short[]) a)[p]);
                case F8_E4M3 -> Half.f8e4m3ToFloat(((byte[]) a)[p]);
                case I64 -> (float) ((long[]) a)[p];
                case I32 -> (float) ((int[]) a)[p];
                case U8 -> (float) (((byte[]) a)[p] & 0xff);
            };
        }
        return out;
    }

    @Override public Tensor copyFrom(Tensor t) {
        if (t.device().equals(Device.CPU)) return contiguous(t);
        return fromFloats(t.toFloatArray(), t.dtype(), t.shape()).to(t.dtype());
    }

    @Override public Tensor contiguous(Tensor t) {
        checkCpu("contiguous", t);
        Tensor out = zeros(t.dtype(), t.shape());
        copyInto(out, t);
        return out;
    }

    @Override public Tensor cast(Tensor t, DType dtype) {
        checkCpu("cast", t);
        if (!dtype.isFloating() && dtype != DType.I64 && dtype != DType.I32) throw new ReelException("cast: unsupported target dtype " + dtype);
        // to its own dtype a cast is a dense copy; the strided copy is ~20× faster than a round trip through float[]
        // (autograd casts every attention input to fp32 for its backward, most of them permuted views)
        if (t.dtype() == dtype) return contiguous(t);
        return fromFloats(toFloatArray(t), dtype, t.shape());
    }

    @Override public void copyInto(Tensor dst, Tensor src) {
        checkCpu("copyInto", dst);
        checkCpu("copyInto", src);
        Tensor s = src.expand(dst.shape());
        if (s.dtype() != dst.dtype()) s = cast(s, dst.dtype());
        if (dst.dtype() == DType.F32) { copyF32(dst, s); return; }
        Object da = ((CpuStorage) dst.storage()).array();
        Object sa = ((CpuStorage) s.storage()).array();
        StridedIndex di = new StridedIndex(dst.shape(), dst.strides(), dst.offset());
        StridedIndex si = new StridedIndex(s.shape(), s.strides(), s.offset());
        long n = dst.numel();
        for (long i = 0; i < n; i++) {
            int d = (int) di.next(), q = (int) si.next();
            switch (dst.dtype()) {
                case F32 -> ((float[]) da)[d] = ((float[]) sa)[q];
                case BF16, F16 -> ((short[]) da)[d] = ((short[]) sa)[q];
                case I64 -> ((long[]) da)[d] = ((long[]) sa)[q];
                case I32 -> ((int[]) da)[d] = ((int[]) sa)[q];
                case F8_E4M3, U8 -> ((byte[]) da)[d] = ((byte[]) sa)[q];
            }
        }
    }

    /** F32 copy by rows of the coalesced layouts. */
    private static void copyF32(Tensor dst, Tensor src) {
        if (dst.numel() == 0) return;
        float[] da = ((CpuStorage) dst.storage()).floats(), sa = ((CpuStorage) src.storage()).floats();
        if (dst.isContiguous()) {
            Dense.gather(sa, src.shape(), src.strides(), src.offset(), da, Math.toIntExact(dst.offset()));
        } else {
            Dense sd = Dense.of("copyInto", src);
            CpuLayout.scatter(sd.a(), sd.off(), da, dst.shape(), dst.strides(), dst.offset());
        }
    }

    private static void writeFloats(CpuStorage s, int offset, float[] data) {
        switch (s.dtype()) {
            case F32 -> System.arraycopy(data, 0, s.floats(), offset, data.length);
            case BF16 -> { short[] h = s.shorts(); for (int i = 0; i < data.length; i++) h[offset + i] = Half.floatToBf16(data[i]); }
            case F16 -> { short[] h = s.shorts(); for (int i = 0; i < data.length; i++) h[offset + i] = Half.floatToF16(data[i]); }
            case I64 -> { long[] h = (long[]) s.array(); for (int i = 0; i < data.length; i++) h[offset + i] = (long) data[i]; }
            case I32 -> { int[] h = (int[]) s.array(); for (int i = 0; i < data.length; i++) h[offset + i] = (int) data[i]; }
            default -> throw new ReelException("cannot write floats into " + s.dtype());
        }
    }

    static void checkCpu(String op, Tensor t) {
        if (!t.device().equals(Device.CPU)) throw new ReelException(op + ": tensor is on " + t.device() + ", the CPU backend needs cpu tensors");
        t.storage().checkLive();
    }

    // ---------------------------------------------------------------- compute (F32)

    @Override public Tensor add(Tensor a, Tensor b) { return CpuElementwise.binary(CpuElementwise.Binary.ADD, a, b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return CpuElementwise.binary(CpuElementwise.Binary.SUB, a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return CpuElementwise.binary(CpuElementwise.Binary.MUL, a, b); }
    @Override public Tensor div(Tensor a, Tensor b) { return CpuElementwise.binary(CpuElementwise.Binary.DIV, a, b); }
    @Override public Tensor scale(Tensor a, float s) { return CpuElementwise.affine("scale", a, s, 0f); }
    @Override public Tensor addScalar(Tensor a, float s) { return CpuElementwise.affine("addScalar", a, 1f, s); }
    @Override public Tensor unary(Unary op, Tensor a) { return CpuElementwise.unary(op, a); }
    @Override public Tensor matmul(Tensor a, Tensor b) { return CpuLinalg.matmul(a, b); }
    @Override public Tensor linear(Tensor x, Tensor w, Tensor bias) { return CpuLinalg.linear(x, w, bias); }
    @Override public Tensor linearGeluTanh(Tensor x, Tensor w, Tensor bias) { return CpuLinalg.linear(x, w, bias, Unary.GELU_TANH); }
    @Override public Tensor conv3d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) { return CpuConv.conv3d(x, w, bias, stride, padding); }
    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) { return CpuConv.conv2d(x, w, bias, stride, padding); }
    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) { return CpuNorm.layerNorm(x, weight, bias, eps); }
    @Override public Tensor rmsNorm(Tensor x, Tensor weight, float eps) { return CpuNorm.rmsNorm(x, weight, eps); }
    @Override public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) { return CpuNorm.groupNorm(x, groups, weight, bias, eps); }
    @Override public Tensor softmax(Tensor x) { return CpuNorm.softmax(x); }
    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) { return CpuAttention.attention(q, k, v, bias, scale); }
    @Override public Tensor sum(Tensor x, int dim, boolean keepDim) { return CpuReduce.reduce(CpuReduce.Kind.SUM, x, dim, keepDim); }
    @Override public Tensor mean(Tensor x, int dim, boolean keepDim) { return CpuReduce.reduce(CpuReduce.Kind.MEAN, x, dim, keepDim); }
    @Override public Tensor max(Tensor x, int dim, boolean keepDim) { return CpuReduce.reduce(CpuReduce.Kind.MAX, x, dim, keepDim); }
    @Override public Tensor norm(Tensor x, int dim, boolean keepDim) { return CpuReduce.reduce(CpuReduce.Kind.NORM, x, dim, keepDim); }
    @Override public Tensor concat(int dim, Tensor... xs) { return CpuLayout.concat(dim, xs); }
    @Override public Tensor pad(Tensor x, int[] pads, float value) { return CpuLayout.pad(x, pads, value); }
    @Override public Tensor embedding(Tensor weight, int[] ids, int... idsShape) { return CpuLayout.embedding(weight, ids, idsShape); }
    @Override public Tensor upsampleNearest2x(Tensor x) { return CpuLayout.upsampleNearest2x(x); }
    @Override public Tensor modulate(Tensor x, Tensor shift, Tensor scale) { return CpuFused.modulate(x, shift, scale); }
    @Override public Tensor gatedResidual(Tensor x, Tensor y, Tensor gate) { return CpuFused.gatedResidual(x, y, gate); }
    @Override public void adamw(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep s) {
        if (!CpuFused.adamw(param, grad, expAvg, expAvgSq, s)) Backend.super.adamw(param, grad, expAvg, expAvgSq, s);
    }
    @Override public Tensor rope(Tensor x, Tensor cos, Tensor sin) { return CpuFused.rope(x, cos, sin); }
}
