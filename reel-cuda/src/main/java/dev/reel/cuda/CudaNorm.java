package dev.reel.cuda;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * Normalisations on the {@code norm.cu} kernels, all with fp32 statistics: layer and RMS norm over the last dim
 * (a vectorised kernel keeps each row in registers where sizes and alignment allow), group norm in two passes
 * (per-group sums in fp64, then the affine map), and the row softmax.
 */
final class CudaNorm {
    private static final String FILE = "norm.cu";

    private final CudaDevice dev;
    private final CudaAllocator out;

    CudaNorm(CudaDevice dev, CudaAllocator out) {
        this.dev = dev;
        this.out = out;
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
