package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.reel.core.DType;
import dev.reel.core.Device;
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
        if (data.length == 0) return out.empty(dtype, shape);
        switch (dtype) {
            case F32 -> { return upload(data, DType.F32, shape); }
            // uploaded as floats and rounded on the device (round-to-nearest-even, as Half's conversions): a
            // per-value loop on the host made a 14B model's random weights take a minute
            case BF16, F16 -> {
                Tensor raw = upload(data, DType.F32, shape);
                Tensor t = ew.cast(raw, dtype);
                raw.free();
                return t;
            }
            default -> { }
        }
        // integer ids and masks: small, converted value by value
        Tensor t = out.empty(dtype, shape);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate((long) data.length * dtype.byteSize(), 16);
            switch (dtype) {
                case I64 -> { for (int i = 0; i < data.length; i++) host.setAtIndex(JAVA_LONG, i, (long) data[i]); }
                case I32 -> { for (int i = 0; i < data.length; i++) host.setAtIndex(JAVA_INT, i, (int) data[i]); }
                case U8 -> { for (int i = 0; i < data.length; i++) host.set(JAVA_BYTE, i, (byte) (int) data[i]); }
                case F32, BF16, F16, F8_E4M3 -> throw new IllegalStateException("handled above");
            }
            dev.copyToDevice(dev.addr(t), host, host.byteSize());
        }
        return t;
    }

    /** A new tensor of {@code dtype} holding a Java array's values, as they are (the array's type matches). */
    private Tensor upload(Object array, DType dtype, int... shape) {
        Tensor t = out.empty(dtype, shape);
        dev.staging().upload(dev.addr(t), t.numel() * dtype.byteSize(), CudaStaging.of(array));
        return t;
    }

    Tensor fromSegment(MemorySegment src, DType srcType, DType dtype, int... shape) {
        long n = Tensor.numel(shape);
        if (src.byteSize() < n * srcType.byteSize()) throw new ShapeException("fromSegment", "segment of " + src.byteSize() + " bytes is too small for " + srcType + ShapeException.fmt(shape));
        Tensor raw = out.empty(srcType, shape);
        dev.staging().upload(dev.addr(raw), n * srcType.byteSize(), CudaStaging.of(src));  // waits: the caller may unmap the file
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
            return upload(((CpuStorage) c.storage()).array(), t.dtype(), t.shape());
        }
        // another accelerator: through the host
        return fromFloats(t.toFloatArray(), t.dtype() == DType.F8_E4M3 ? DType.F32 : t.dtype(), t.shape());
    }
}
