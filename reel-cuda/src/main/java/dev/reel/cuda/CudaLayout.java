package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Structure ops: concatenation, constant padding and nearest upsampling as strided copies into a new tensor
 * ({@link CudaElementwise#copyInto}), and the embedding gather ({@code misc.cu}).
 */
final class CudaLayout {
    private final CudaDevice dev;
    private final CudaAllocator out;
    private final CudaElementwise ew;

    CudaLayout(CudaDevice dev, CudaAllocator out, CudaElementwise ew) {
        this.dev = dev;
        this.out = out;
        this.ew = ew;
    }

    Tensor concat(int dim, Tensor... xs) {
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
            dt = CudaElementwise.promote(dt, t.dtype());
        }
        shape[a] = total;
        Tensor o = out.empty(dt, shape);
        int at = 0;
        for (Tensor t : xs) {
            int n = t.size(a);
            if (n > 0) ew.copyInto(o.narrow(a, at, n), t);
            at += n;
        }
        return o;
    }

    Tensor pad(Tensor x, int[] pads, float value) {
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
        Tensor o = out.empty(x.dtype(), os);
        ew.fill(o, value);
        Tensor dst = o;
        for (int i = 0; i < pads.length / 2; i++) {
            int d = r - 1 - i, before = pads[2 * i], after = pads[2 * i + 1];
            int cropLo = Math.max(0, -before), cropHi = Math.max(0, -after);
            int len = s[d] - cropLo - cropHi;
            if (len <= 0) return o;
            src = src.narrow(d, cropLo, len);
            dst = dst.narrow(d, Math.max(0, before), len);
        }
        ew.copyInto(dst, src);
        return o;
    }

    Tensor embedding(Tensor weight, int[] ids, int... idsShape) {
        if (weight.rank() != 2) throw new ShapeException("embedding", "weight must be [V, D], got " + ShapeException.fmt(weight.shape()));
        if (Tensor.numel(idsShape) != ids.length) throw new ShapeException("embedding", ids.length + " ids do not fill shape " + ShapeException.fmt(idsShape));
        int v = weight.size(0), d = weight.size(1);
        for (int id : ids) if (id < 0 || id >= v) throw new ShapeException("embedding", "id " + id + " is outside the vocabulary [0, " + v + ")");
        int[] os = Arrays.copyOf(idsShape, idsShape.length + 1);
        os[idsShape.length] = d;
        Tensor o = out.empty(weight.dtype(), os);
        if (ids.length == 0 || d == 0) return o;
        Tensor w = weight.contiguous();
        long bytes = 4L * ids.length;
        long idsPtr = dev.allocate(bytes);
        try {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate(bytes, 16);
                MemorySegment.copy(ids, 0, host, JAVA_INT, 0, ids.length);
                dev.copyToDevice(idsPtr, host, bytes);
            }
            try (KernelArgs a = new KernelArgs()) {
                a.tensor(dev, w).ptr(idsPtr).tensor(dev, o).i64(ids.length).i32(d);
                dev.launch("misc.cu", "embedding_gather", dev.grid((long) ids.length * d), CudaDevice.BLOCK, 0, a);
            }
        } finally {
            dev.free(idsPtr);
        }
        return o;
    }

    Tensor upsampleNearest2x(Tensor x) {
        int r = x.rank();
        if (r < 2) throw new ShapeException("upsampleNearest2x", "needs at least 2 dimensions, got " + ShapeException.fmt(x.shape()));
        int[] s = x.shape();
        int h = s[r - 2], w = s[r - 1];
        int[] os = s.clone();
        os[r - 2] = 2 * h;
        os[r - 1] = 2 * w;
        Tensor o = out.empty(x.dtype(), os);
        // o viewed as [..., H, 2, W, 2] receives x broadcast as [..., H, 1, W, 1]
        int[] split = Arrays.copyOf(s, r + 2);
        split[r - 2] = h;
        split[r - 1] = 2;
        split[r] = w;
        split[r + 1] = 2;
        Tensor src = x.unsqueeze(r).unsqueeze(r - 1).expand(split);
        ew.copyInto(o.view(split), src);
        return o;
    }
}
