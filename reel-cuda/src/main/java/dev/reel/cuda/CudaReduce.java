package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Sum, mean, max and L2 norm along one dim, accumulated in fp32: {@code reduce_rows} when it is the innermost (one
 * block per row); otherwise, when the reduced dim is long, {@code reduce_cols_vec} where x allows 16-byte loads
 * (f32/bf16/f16, inner a multiple of 16 bytes, x 16-byte aligned: each lane sums 4 or 8 adjacent columns, 8 warps
 * per 128 or 256 columns) and {@code reduce_cols_tiled} elsewhere (8 warps per 32 columns), and {@code reduce_cols}
 * when it is short (one thread per output). When those launches would have too few blocks to fill the GPU and the
 * reduced dim is long (a whole gradient's norm for clipping, a bias gradient summed over 14k tokens), the reduced dim
 * is cut into chunks reduced side by side ({@code reduce_rows_split}, {@code reduce_cols_split}, or
 * {@code reduce_cols_vec} writing partials) and folded in a fixed order by {@code reduce_combine}: deterministic, as
 * the one-pass kernels.
 */
final class CudaReduce {
    /** Reduced lengths from which eight threads per output beat one: the column kernels' rows per block. */
    private static final int TILED_ROWS = 64;
    /** The column kernels' block: 8 warps, their shared partials sized for exactly this ({@code COLS_VEC_WARPS}). */
    static final int TILED_BLOCK = 256;
    /** Blocks a reduction should launch to keep an H100/H200 (132 SMs) busy; fewer, and a long R is split. */
    static final int FILL_BLOCKS = 528;
    /** Shortest chunk of R a split block takes: contiguous elements (rows kernel) or rows (columns kernels). */
    static final int MIN_CHUNK_ELEMENTS = 8192, MIN_CHUNK_ROWS = 256;
    /** One lane's load of a row in {@code reduce_cols_vec}: x's address and row length must be multiples of it. */
    private static final int VEC_BYTES = 16;
    /** Largest grid y: outer slices beyond it are looped over by the column kernels' blocks. */
    private static final int MAX_GRID_Y = 65535;

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

    /**
     * What a reduction of x viewed as [outer, r, inner] launches: the kernel, the columns one of its blocks covers
     * (0 for the one-thread-per-output kernels) and the chunks R is cut into (1: one pass).
     */
    record Plan(String kernel, int blockColumns, int chunks) {}

    /** The plan for x of dtype {@code dt}, contiguous, its first element at device address {@code addr}. */
    static Plan plan(DType dt, long addr, long outer, long r, long inner) {
        if (inner == 1) {
            int chunks = chunks(outer, r, MIN_CHUNK_ELEMENTS);
            return new Plan(chunks > 1 ? "reduce_rows_split" : "reduce_rows", 0, chunks);
        }
        if (r < TILED_ROWS) return new Plan("reduce_cols", 0, 1);
        int vec = vecColumns(dt, addr, inner);
        int blockColumns = 32 * Math.max(1, vec);
        int chunks = chunks(Math.ceilDiv(inner, blockColumns) * Math.min(outer, MAX_GRID_Y), r, MIN_CHUNK_ROWS);
        if (vec > 0) return new Plan("reduce_cols_vec", blockColumns, chunks);
        return new Plan(chunks > 1 ? "reduce_cols_split" : "reduce_cols_tiled", blockColumns, chunks);
    }

    /** Columns one lane of {@code reduce_cols_vec} sums (one 16-byte load of a row), or 0 where x does not allow it. */
    private static int vecColumns(DType dt, long addr, long inner) {
        if (!CudaElementwise.isFloat(dt) || (addr & (VEC_BYTES - 1)) != 0) return 0;
        int n = VEC_BYTES / dt.byteSize();
        return inner % n == 0 ? n : 0;
    }

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
        Plan p = plan(x.dtype(), dev.addr(xc), outer, r, inner);
        int gy = (int) Math.min(outer, MAX_GRID_Y);
        int colBlocks = p.blockColumns() == 0 ? 0 : Math.toIntExact(Math.ceilDiv(inner, p.blockColumns()));
        switch (p.kernel()) {
            case "reduce_rows_split" -> split(o, xc, p.kernel(), p.chunks(), (int) outer, 1, CudaDevice.BLOCK, outer, r, 1, kind);
            case "reduce_cols_split" -> split(o, xc, p.kernel(), colBlocks, gy, p.chunks(), TILED_BLOCK, outer, r, inner, kind);
            case "reduce_cols_vec" -> colsVec(o, xc, colBlocks, gy, p.chunks(), outer, r, inner, kind);
            default -> {
                try (KernelArgs k = new KernelArgs()) {
                    k.tensor(dev, xc).tensor(dev, o);
                    if (inner == 1) {
                        k.i64(r).i32(kind);
                        dev.launch("norm.cu", "reduce_rows", (int) outer, CudaDevice.BLOCK, 0, k);
                    } else {
                        k.i64(outer).i64(r).i64(inner).i32(kind);
                        if (p.kernel().equals("reduce_cols_tiled")) dev.launch("norm.cu", "reduce_cols_tiled", colBlocks, gy, 1, TILED_BLOCK, 0, k);
                        else dev.launch("norm.cu", "reduce_cols", dev.grid(outer * inner), CudaDevice.BLOCK, 0, k);
                    }
                }
            }
        }
        return o;
    }

    /** Chunks to cut R into: 1 when {@code blocks} already fill the GPU or R is short. */
    private static int chunks(long blocks, long r, int minChunk) {
        if (blocks >= FILL_BLOCKS || r < 2L * minChunk) return 1;
        return (int) Math.min((FILL_BLOCKS + blocks - 1) / blocks, r / minChunk);
    }

    /** {@code reduce_cols_vec} into {@code o}: one pass when {@code chunks} is 1, else chunk partials folded by {@link #combine}. */
    private void colsVec(Tensor o, Tensor xc, int gx, int gy, int chunks, long outer, long r, long inner, int kind) {
        long n = outer * inner, len = Math.ceilDiv(r, chunks);
        Tensor part = chunks > 1 ? out.empty(DType.F32, Math.toIntExact(chunks * n)) : null;
        try (KernelArgs k = new KernelArgs()) {
            k.tensor(dev, xc).tensor(dev, o).ptr(part == null ? 0 : dev.addr(part)).i64(outer).i64(r).i64(inner).i64(len).i32(kind);
            dev.launch("norm.cu", "reduce_cols_vec", gx, gy, chunks, TILED_BLOCK, 0, k);
        }
        if (part != null) combine(part, o, chunks, n, r, kind);
    }

    /** The split reduction into {@code o}: chunk partials [chunks, outer·inner] in fp32, then folded and finished. */
    private void split(Tensor o, Tensor xc, String kernel, int gx, int gy, int gz, int block, long outer, long r, long inner, int kind) {
        int chunks = kernel.equals("reduce_rows_split") ? gx : gz;
        long n = outer * inner, len = (r + chunks - 1) / chunks;
        Tensor part = out.empty(DType.F32, Math.toIntExact(chunks * n));
        try (KernelArgs k = new KernelArgs()) {
            k.tensor(dev, xc).ptr(dev.addr(part));
            if (inner == 1) k.i64(r).i64(len).i32(kind);
            else k.i64(outer).i64(r).i64(inner).i64(len).i32(kind);
            dev.launch("norm.cu", kernel, gx, gy, gz, block, 0, k);
        }
        combine(part, o, chunks, n, r, kind);
    }

    /** Folds the partials [chunks, n] into {@code o} in chunk order, finishes them over R, and frees the partials. */
    private void combine(Tensor part, Tensor o, int chunks, long n, long r, int kind) {
        try (KernelArgs k = new KernelArgs()) {
            k.ptr(dev.addr(part)).tensor(dev, o).i64(chunks).i64(n).i64(r).i32(kind);
            dev.launch("norm.cu", "reduce_combine", dev.grid(n), CudaDevice.BLOCK, 0, k);
        }
        part.free();
    }
}
