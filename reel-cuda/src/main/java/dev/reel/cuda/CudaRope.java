package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Rotary embedding on interleaved pairs ({@code misc.cu}), in fp32: x {@code [B, L, H, D]}, cos/sin
 * {@code [L, D/2]}; the result in x's dtype. A vectorised kernel takes 8 elements per thread when x is dense and
 * aligned and cos/sin are fp32.
 */
final class CudaRope {
    private final CudaDevice dev;
    private final CudaAllocator out;
    private final CudaElementwise ew;

    CudaRope(CudaDevice dev, CudaAllocator out, CudaElementwise ew) {
        this.dev = dev;
        this.out = out;
        this.ew = ew;
    }

    Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        int[] s = x.shape();
        if (s.length != 4 || s[3] % 2 != 0) throw new ShapeException("rope", "x must be [B, L, H, D] with even D, got " + ShapeException.fmt(s));
        int half = s[3] / 2;
        for (Tensor t : new Tensor[] {cos, sin}) {
            if (t.numel() != (long) s[1] * half) throw new ShapeException("rope", "cos/sin must hold [L, D/2] = [" + s[1] + ", " + half + "], got " + ShapeException.fmt(t.shape()));
        }
        Tensor c = cos.contiguous(), n = sin.contiguous();
        if (n.dtype() != c.dtype()) n = n.to(c.dtype());
        Tensor o = out.empty(x.dtype(), s);
        long pairs = (long) s[0] * s[1] * s[2] * half;
        if (pairs == 0) return o;
        if (x.isContiguous() && s[3] % 8 == 0 && CudaElementwise.isFloat(x.dtype()) && c.dtype() == DType.F32 && (dev.addr(x) & 15) == 0) {
            long total8 = pairs / 4;
            try (KernelArgs a = new KernelArgs()) {
                a.tensor(dev, x).ptr(dev.addr(c)).ptr(dev.addr(n)).tensor(dev, o).i32(s[1]).i32(s[2]).i32(s[3]).i64(total8);
                dev.launch("misc.cu", "rope_interleaved_vec", dev.grid(total8), CudaDevice.BLOCK, 0, a);
            }
            return o;
        }
        Tensor xs = x.stride(3) == 1 ? x : ew.contiguous(x);
        try (KernelArgs a = new KernelArgs()) {
            a.tensor(dev, xs).i64(xs.stride(0)).i64(xs.stride(1)).i64(xs.stride(2)).ptr(dev.addr(c)).ptr(dev.addr(n)).dtype(c.dtype())
                    .tensor(dev, o).i32(s[0]).i32(s[1]).i32(s[2]).i32(s[3]);
            dev.launch("misc.cu", "rope_interleaved", dev.grid(pairs), CudaDevice.BLOCK, 0, a);
        }
        return o;
    }
}
