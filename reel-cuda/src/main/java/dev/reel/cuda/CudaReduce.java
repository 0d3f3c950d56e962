package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Sum, mean, max and L2 norm along one dim, accumulated in fp32: {@code reduce_rows} when it is the innermost (one
 * block per row); otherwise {@code reduce_cols_tiled} when the reduced dim is long (8 warps per 32 columns) and
 * {@code reduce_cols} when it is short (one thread per output).
 */
final class CudaReduce {
    /** Reduced lengths from which eight threads per output beat one: the tiled kernel's rows per block. */
    private static final int TILED_ROWS = 64;
    /** The tiled kernel's block: 8 warps, its shared partials sized for exactly this. */
    private static final int TILED_BLOCK = 256;

    private final CudaDevice dev;
    private final CudaAllocator out;

    CudaReduce(CudaDevice dev, CudaAllocator out) {
        this.dev = dev;
        this.out = out;
    }

    Tensor sum(Tensor x, int dim, boolean keepDim) { return reduce("sum", KernelAbi.REDUCE_SUM, x, dim, keepDim); }
    Tensor mean(Tensor x, int dim, boolean keepDim) { return reduce("mean", KernelAbi.REDUCE_MEAN, x, dim, keepDim); }
    Tensor max(Tensor x, int dim, boolean keepDim) { return reduce("max", KernelAbi.REDUCE_MAX, x, dim, keepDim); }
    Tensor norm(Tensor x, int dim, boolean keepDim) { return reduce("norm", KernelAbi.REDUCE_NORM, x, dim, keepDim); }

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
        Tensor o = out.empty(CudaElementwise.isFloat(x.dtype()) ? x.dtype() : DType.F32, os);
        if (o.numel() == 0) return o;
        try (KernelArgs k = new KernelArgs()) {
            k.tensor(dev, xc).tensor(dev, o);
            if (inner == 1) {
                k.i64(r).i32(kind);
                dev.launch("norm.cu", "reduce_rows", (int) outer, CudaDevice.BLOCK, 0, k);
            } else if (r >= TILED_ROWS) {
                k.i64(outer).i64(r).i64(inner).i32(kind);
                dev.launch("norm.cu", "reduce_cols_tiled", Math.toIntExact((inner + 31) / 32), (int) Math.min(outer, 65535), 1, TILED_BLOCK, 0, k);
            } else {
                k.i64(outer).i64(r).i64(inner).i32(kind);
                dev.launch("norm.cu", "reduce_cols", dev.grid(outer * inner), CudaDevice.BLOCK, 0, k);
            }
        }
        return o;
    }
}
