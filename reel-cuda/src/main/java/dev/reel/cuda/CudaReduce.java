package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Sum, mean, max and L2 norm along one dim, accumulated in fp32: {@code reduce_rows} when it is the innermost (one
 * block per row); otherwise {@code reduce_cols_tiled} when the reduced dim is long (8 warps per 32 columns) and
 * {@code reduce_cols} when it is short (one thread per output). When those launches would have too few blocks to fill
 * the GPU and the reduced dim is long (a whole gradient's norm for clipping, a bias gradient summed over 14k tokens),
 * the reduced dim is cut into chunks reduced side by side ({@code reduce_rows_split}, {@code reduce_cols_split}) and
 * folded in a fixed order by {@code reduce_combine}: deterministic, as the one-pass kernels.
 */
final class CudaReduce {
    /** Reduced lengths from which eight threads per output beat one: the tiled kernel's rows per block. */
    private static final int TILED_ROWS = 64;
    /** The tiled kernel's block: 8 warps, its shared partials sized for exactly this. */
    private static final int TILED_BLOCK = 256;
    /** Blocks a reduction should launch to keep an H100/H200 (132 SMs) busy; fewer, and a long R is split. */
    static final int FILL_BLOCKS = 528;
    /** Shortest chunk of R a split block takes: contiguous elements (rows kernel) or rows (columns kernel). */
    static final int MIN_CHUNK_ELEMENTS = 8192, MIN_CHUNK_ROWS = 256;

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
                int chunks = chunks(outer, r, MIN_CHUNK_ELEMENTS);
                if (chunks > 1) return split(o, xc, "reduce_rows_split", chunks, (int) outer, 1, CudaDevice.BLOCK, outer, r, 1, kind);
                k.i64(r).i32(kind);
                dev.launch("norm.cu", "reduce_rows", (int) outer, CudaDevice.BLOCK, 0, k);
            } else if (r >= TILED_ROWS) {
                int colBlocks = Math.toIntExact((inner + 31) / 32), chunks = chunks((long) colBlocks * Math.min(outer, 65535), r, MIN_CHUNK_ROWS);
                if (chunks > 1) return split(o, xc, "reduce_cols_split", colBlocks, (int) Math.min(outer, 65535), chunks, TILED_BLOCK, outer, r, inner, kind);
                k.i64(outer).i64(r).i64(inner).i32(kind);
                dev.launch("norm.cu", "reduce_cols_tiled", Math.toIntExact((inner + 31) / 32), (int) Math.min(outer, 65535), 1, TILED_BLOCK, 0, k);
            } else {
                k.i64(outer).i64(r).i64(inner).i32(kind);
                dev.launch("norm.cu", "reduce_cols", dev.grid(outer * inner), CudaDevice.BLOCK, 0, k);
            }
        }
        return o;
    }

    /** Chunks to cut R into: 1 when {@code blocks} already fill the GPU or R is short. */
    private static int chunks(long blocks, long r, int minChunk) {
        if (blocks >= FILL_BLOCKS || r < 2L * minChunk) return 1;
        return (int) Math.min((FILL_BLOCKS + blocks - 1) / blocks, r / minChunk);
    }

    /** The split reduction into {@code o}: chunk partials [chunks, outer·inner] in fp32, then folded and finished. */
    private Tensor split(Tensor o, Tensor xc, String kernel, int gx, int gy, int gz, int block, long outer, long r, long inner, int kind) {
        int chunks = kernel.equals("reduce_rows_split") ? gx : gz;
        long n = outer * inner, len = (r + chunks - 1) / chunks;
        Tensor part = out.empty(DType.F32, Math.toIntExact(chunks * n));
        try (KernelArgs k = new KernelArgs()) {
            k.tensor(dev, xc).ptr(dev.addr(part));
            if (inner == 1) k.i64(r).i64(len).i32(kind);
            else k.i64(outer).i64(r).i64(inner).i64(len).i32(kind);
            dev.launch("norm.cu", kernel, gx, gy, gz, block, 0, k);
        }
        try (KernelArgs k = new KernelArgs()) {
            k.ptr(dev.addr(part)).tensor(dev, o).i64(chunks).i64(n).i64(r).i32(kind);
            dev.launch("norm.cu", "reduce_combine", dev.grid(n), CudaDevice.BLOCK, 0, k);
        }
        part.free();
        return o;
    }
}
