package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Normalisations on the {@code norm.cu} kernels, all with fp32 statistics: layer and RMS norm over the last dim
 * (a vectorised kernel keeps each row in registers where sizes and alignment allow), group norm in two passes
 * (per-group sums in fp64, then the affine map), and the row softmax. The backward of layer and RMS norm runs on
 * {@code norm_bwd.cu}: one pass over x and g, the weight's gradient as per-block column partials that
 * {@link CudaReduce} folds.
 */
final class CudaNorm {
    private static final String FILE = "norm.cu";
    /** Elements of a row one thread of the any-layout backward keeps in registers ({@code NORM_BWD_ELEMENTS}). */
    private static final int BWD_ELEMENTS = 8;
    /** Longest row the backward takes: 8 elements a thread, 1024 threads; longer ones are composed by autograd. */
    private static final int BWD_MAX_D = BWD_ELEMENTS * 1024;
    /**
     * Blocks per SM of a backward that sums the weight's gradient: each block walks rows/grid rows and writes one
     * partial row of D per sum, so fewer blocks mean fewer partials to fold; 4 blocks of 192 threads per SM (the DiT's
     * D = 1536) already keep 24 warps of loads in flight.
     */
    private static final int PARTIAL_BLOCKS_PER_SM = 4;

    private final CudaDevice dev;
    private final CudaAllocator out;
    private final CudaReduce reduce;

    CudaNorm(CudaDevice dev, CudaAllocator out, CudaReduce reduce) {
        this.dev = dev;
        this.out = out;
        this.reduce = reduce;
    }

    private static int rowBlock(int d) {
        int t = (d / 4 + 31) / 32 * 32;
        return Math.max(32, Math.min(512, t));
    }

    private static Tensor rowsOf(String op, Tensor x) {
        if (x.rank() == 0) throw new ShapeException(op, "needs at least one dimension");
        return x.contiguous();
    }

    private static void checkVector(String op, String what, Tensor v, int d) {
        if (v != null && v.numel() != d) throw new ShapeException(op, what + " of shape " + ShapeException.fmt(v.shape()) + " does not match the last dimension " + d);
    }

    /**
     * {@link dev.reel.core.Backend#channelNorm} in one pass ({@code norm.cu: channel_norm}), or null where that kernel
     * does not apply (x of rank < 2, not a float dtype, gamma of another dtype or not C values): the caller composes it.
     */
    Tensor channelNorm(Tensor x, Tensor gamma, float scale, float eps, boolean silu) {
        DType dt = x.dtype();
        if (x.rank() < 2 || !CudaElementwise.isFloat(dt) || gamma.dtype() != dt || gamma.numel() != x.size(1)) return null;
        Tensor xc = x.contiguous(), g = gamma.contiguous();
        long b = x.size(0), s = x.numel() / Math.max(1, b * x.size(1));
        Tensor o = out.empty(dt, x.shape());
        if (o.numel() == 0) return o;
        try (KernelArgs a = new KernelArgs()) {
            a.ptr(dev.addr(xc)).ptr(dev.addr(o)).ptr(dev.addr(g)).dtype(dt).i64(b).i32(x.size(1)).i64(s).f32(scale).f32(eps).i32(silu ? 1 : 0);
            if (s % 8 == 0 && aligned(xc) && aligned(o)) {
                // a block per 256 positions, 8 warps splitting the channels (CN_WARPS in norm.cu)
                dev.launch(FILE, "channel_norm_vec", Math.toIntExact(Math.ceilDiv(b * s / 8, 32)), 256, 0, a);
            } else {
                dev.launch(FILE, "channel_norm", dev.grid(b * s), CudaDevice.BLOCK, 0, a);
            }
        }
        return o;
    }

    Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) { return rows("layerNorm", x, weight, bias, eps, false); }

    Tensor rmsNorm(Tensor x, Tensor weight, float eps) { return rows("rmsNorm", x, weight, null, eps, true); }

    /** Layer or RMS norm over the last dim. */
    private Tensor rows(String op, Tensor x, Tensor weight, Tensor bias, float eps, boolean rms) {
        Tensor xc = rowsOf(op, x);
        int d = x.size(-1);
        checkVector(op, "weight", weight, d);
        checkVector(op, "bias", bias, d);
        Tensor o = out.empty(x.dtype(), x.shape());
        long rows = d == 0 ? 0 : x.numel() / d;
        if (rows == 0) return o;
        Tensor w = weight == null ? null : weight.contiguous(), b = bias == null ? null : bias.contiguous();
        int chunks = d / 8;
        boolean vec = d % 8 == 0 && chunks <= 4 * 1024 && CudaElementwise.isFloat(x.dtype()) && aligned(xc) && aligned(o)
                && (w == null || (CudaElementwise.isFloat(w.dtype()) && aligned(w))) && (b == null || (CudaElementwise.isFloat(b.dtype()) && aligned(b)));
        try (KernelArgs a = new KernelArgs()) {
            a.tensor(dev, xc).tensor(dev, o).optional(dev, w);
            if (vec) {
                a.optional(dev, b).i32(d).f32(eps).i32(rms ? 1 : 0);
                int block = Math.max(32, Math.min(1024, ((chunks + 1) / 2 + 31) / 32 * 32));
                while (block * 4 < chunks) block += 32;
                dev.launch(FILE, "norm_rows_vec", (int) rows, block, 0, a);
            } else if (rms) {
                a.i32(d).f32(eps);
                dev.launch(FILE, "rms_norm", (int) rows, rowBlock(d), 0, a);
            } else {
                a.optional(dev, b).i32(d).f32(eps);
                dev.launch(FILE, "layer_norm", (int) rows, rowBlock(d), 0, a);
            }
        }
        return o;
    }

    private boolean aligned(Tensor t) { return (dev.addr(t) & 15) == 0; }

    Tensor[] layerNormBackward(Tensor x, Tensor weight, float eps, Tensor g, boolean affineGrads) {
        return backward("layerNormBackward", x, weight, eps, g, affineGrads, false);
    }

    Tensor[] rmsNormBackward(Tensor x, Tensor weight, float eps, Tensor g, boolean weightGrad) {
        return backward("rmsNormBackward", x, weight, eps, g, weightGrad, true);
    }

    /**
     * {dx (x's dtype), Σ g·x̂, Σ g (layer norm only)}, the sums fp32 {@code [D]} when {@code sums}, else null; null
     * altogether for rows longer than {@link #BWD_MAX_D} or dtypes other than fp32/bf16/fp16.
     */
    private Tensor[] backward(String op, Tensor x, Tensor weight, float eps, Tensor g, boolean sums, boolean rms) {
        if (!java.util.Arrays.equals(x.shape(), g.shape())) {
            throw new ShapeException(op, "the gradient's shape " + ShapeException.fmt(g.shape()) + " is not x's " + ShapeException.fmt(x.shape()));
        }
        int d = x.rank() == 0 ? 0 : x.size(-1);
        checkVector(op, "weight", weight, d);
        long rows = d == 0 ? 0 : x.numel() / d;
        boolean floats = CudaElementwise.isFloat(x.dtype()) && CudaElementwise.isFloat(g.dtype()) && (weight == null || CudaElementwise.isFloat(weight.dtype()));
        if (rows == 0 || d > BWD_MAX_D || !floats) return null;   // before any copy: autograd composes these
        Tensor xc = x.contiguous(), gc = g.contiguous(), w = weight == null ? null : weight.contiguous();
        Tensor dx = out.empty(x.dtype(), x.shape());
        boolean vec = d % 8 == 0 && aligned(xc) && aligned(gc) && aligned(dx) && (w == null || aligned(w));
        int perThread = vec ? 8 : BWD_ELEMENTS;
        int block = Math.max(32, ((d + perThread - 1) / perThread + 31) / 32 * 32);
        int grid = (int) Math.min(rows, sums ? (long) PARTIAL_BLOCKS_PER_SM * dev.multiprocessors() : Integer.MAX_VALUE);
        Tensor part = sums ? out.empty(DType.F32, rms ? 1 : 2, grid, d) : null;   // [Σ g·x̂; Σ g] per block
        try (KernelArgs a = new KernelArgs()) {
            a.tensor(dev, xc).tensor(dev, gc).tensor(dev, dx).optional(dev, w).ptr(part == null ? 0 : dev.addr(part));
            a.i64(rows).i32(d).f32(eps).i32(rms ? 1 : 0);
            dev.launch("norm_bwd.cu", vec ? "norm_bwd_vec" : "norm_bwd_any", grid, block, 0, a);
        }
        Tensor[] grads = new Tensor[rms ? 2 : 3];
        grads[0] = dx;
        if (sums) {
            Tensor total = reduce.sum(part, 1, false);   // [1 or 2, D]: the blocks' partials folded in a fixed order
            part.free();
            for (int i = 0; i < total.size(0); i++) grads[i + 1] = total.select(0, i);
        }
        return grads;
    }

    Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        if (x.rank() < 2) throw new ShapeException("groupNorm", "x must be [B, C, ...], got " + ShapeException.fmt(x.shape()));
        int b = x.size(0), c = x.size(1);
        if (groups <= 0 || c % groups != 0) throw new ShapeException("groupNorm", c + " channels do not split into " + groups + " groups");
        checkVector("groupNorm", "weight", weight, c);
        checkVector("groupNorm", "bias", bias, c);
        Tensor xc = x.contiguous();
        Tensor o = out.empty(x.dtype(), x.shape());
        long total = x.numel();
        if (total == 0) return o;
        long spatial = total / ((long) b * c);
        long n = (long) (c / groups) * spatial;
        int bg = b * groups;
        int chunks = (int) Math.max(1, Math.min((n + 8191) / 8192, Math.max(1, 4L * dev.multiprocessors() / bg)));
        long statsBytes = 2L * bg * Double.BYTES;  // per group: sum and sum of squares, in fp64
        long stats = dev.allocate(statsBytes);
        try {
            dev.memsetZero(stats, statsBytes);
            try (KernelArgs a = new KernelArgs()) {
                a.tensor(dev, xc).i64(n).i32(chunks).ptr(stats);
                dev.launch(FILE, "group_stats", bg * chunks, CudaDevice.BLOCK, 0, a);
            }
            Tensor w = weight == null ? null : weight.contiguous(), bb = bias == null ? null : bias.contiguous();
            try (KernelArgs a = new KernelArgs()) {
                a.tensor(dev, xc).tensor(dev, o).ptr(stats).optional(dev, w).optional(dev, bb);
                a.i32(c).i32(groups).i64(spatial).f32(eps).i64(total);
                dev.launch(FILE, "group_apply", dev.grid(total), CudaDevice.BLOCK, 0, a);
            }
        } finally {
            dev.free(stats);
        }
        return o;
    }

    Tensor softmax(Tensor x) {
        Tensor o = out.empty(x.dtype(), x.shape());
        softmaxInto(rowsOf("softmax", x), o);
        return o;
    }

    /** Row softmax of contiguous x into contiguous dst (may be x itself). */
    void softmaxInto(Tensor x, Tensor dst) {
        int d = x.size(-1);
        long rows = d == 0 ? 0 : x.numel() / d;
        if (rows == 0) return;
        try (KernelArgs a = new KernelArgs()) {
            a.tensor(dev, x).tensor(dev, dst).i32(d);
            dev.launch(FILE, "softmax_rows", (int) rows, rowBlock(d), 0, a);
        }
    }
}
