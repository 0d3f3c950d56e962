package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Half;
import dev.reel.core.ReelException;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.cpu.CpuStorage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Host ↔ device copies: host floats, mmapped safetensors bytes and CPU tensors onto the GPU, GPU tensors back as
 * floats. Each goes through a host buffer the copy waits for, so the caller's memory may be released on return.
 */
final class CudaTransfers {
    private final CudaDevice dev;
    private final CudaAllocator out;
    private final CudaElementwise ew;

    CudaTransfers(CudaDevice dev, CudaAllocator out, CudaElementwise ew) {
        this.dev = dev;
        this.out = out;
        this.ew = ew;
    }

    Tensor fromFloats(float[] data, DType dtype, int... shape) {
        if (data.length != Tensor.numel(shape)) throw new ShapeException("fromFloats", data.length + " values do not fill shape " + ShapeException.fmt(shape));
        if (dtype == DType.F8_E4M3) throw new ReelException("fromFloats: cannot encode F8_E4M3 (it is a storage format for loaded weights)");
        Tensor t = out.empty(dtype, shape);
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
                case F8_E4M3 -> throw new IllegalStateException("refused above");
            }
            dev.copyToDevice(dev.addr(t), host, host.byteSize());
        }
        return t;
    }

    Tensor fromSegment(MemorySegment src, DType srcType, DType dtype, int... shape) {
        long n = Tensor.numel(shape);
        if (src.byteSize() < n * srcType.byteSize()) throw new ShapeException("fromSegment", "segment of " + src.byteSize() + " bytes is too small for " + srcType + ShapeException.fmt(shape));
        Tensor raw = out.empty(srcType, shape);
        if (n > 0) dev.copyToDevice(dev.addr(raw), src, n * srcType.byteSize());  // waits: the caller may unmap the file
        if (srcType == dtype) return raw;
        Tensor t = ew.cast(raw, dtype);
        raw.free();
        return t;
    }

    float[] toFloatArray(Tensor t) {
        Tensor f = t.dtype() == DType.F32 && t.isContiguous() ? t : ew.cast(t, DType.F32);
        int n = Math.toIntExact(f.numel());
        float[] values = new float[n];
        if (n > 0) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate(4L * n, 16);
                dev.copyToHost(host, dev.addr(f), 4L * n);
                MemorySegment.copy(host, JAVA_FLOAT, 0, values, 0, n);
            }
        }
        if (f != t) f.free();
        return values;
    }

    /** A copy on this device of a tensor from this device, the CPU, or another accelerator (through the host). */
    Tensor copyFrom(Tensor t) {
        if (t.storage() instanceof CudaStorage s && s.cudaDevice() == dev) return t.isContiguous() ? ew.copy(t) : ew.contiguous(t);
        if (t.device().type() == Device.Type.CPU) {
            Tensor c = t.isContiguous() && t.offset() == 0 ? t : t.contiguous();
            Object array = ((CpuStorage) c.storage()).array();
            int n = Math.toIntExact(c.numel());
            Tensor o = out.empty(t.dtype(), t.shape());
            if (n == 0) return o;
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
                dev.copyToDevice(dev.addr(o), host, host.byteSize());
            }
            return o;
        }
        // another accelerator: through the host
        return fromFloats(t.toFloatArray(), t.dtype() == DType.F8_E4M3 ? DType.F32 : t.dtype(), t.shape());
    }
}
