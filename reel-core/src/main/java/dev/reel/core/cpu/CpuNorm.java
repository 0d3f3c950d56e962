package dev.reel.core.cpu;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/** Normalisations over the last dim (layer, RMS), over channel groups, and softmax; statistics in double. */
final class CpuNorm {
    private CpuNorm() {}

    private static Dense param(String op, Tensor p, int size, String what) {
        if (p == null) return null;
        if (p.rank() != 1 || p.size(0) != size)
            throw new ShapeException(op, what + " " + ShapeException.fmt(p.shape()) + " must be [" + size + "] to match the normalised dim");
        return Dense.of(op, p);
    }

    static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        if (x.rank() < 1) throw new ShapeException("layerNorm", "input must have rank >= 1");
        int d = x.size(-1);
        Dense xd = Dense.of("layerNorm", x), wd = param("layerNorm", weight, d, "weight"), bd = param("layerNorm", bias, d, "bias");
        int rows = d == 0 ? 0 : Math.toIntExact(x.numel() / d);
        float[] out = new float[Math.toIntExact(x.numel())];
        float[] a = xd.a();
        WorkerPool.parallelFor(rows, Math.max(1, 8192 / Math.max(1, d)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int p = xd.off() + r * d;
                double mean = mean(a, p, d);
                double inv = invStd(a, p, d, mean, eps);
                int o = r * d;
                for (int j = 0; j < d; j++) {
                    double y = (a[p + j] - mean) * inv;
                    if (wd != null) y *= wd.a()[wd.off() + j];
                    if (bd != null) y += bd.a()[bd.off() + j];
                    out[o + j] = (float) y;
                }
            }
        });
        return Dense.tensor(out, x.shape());
    }

    static Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        if (x.rank() < 1) throw new ShapeException("rmsNorm", "input must have rank >= 1");
        int d = x.size(-1);
        Dense xd = Dense.of("rmsNorm", x), wd = param("rmsNorm", weight, d, "weight");
        int rows = d == 0 ? 0 : Math.toIntExact(x.numel() / d);
        float[] out = new float[Math.toIntExact(x.numel())];
        float[] a = xd.a();
        WorkerPool.parallelFor(rows, Math.max(1, 8192 / Math.max(1, d)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int p = xd.off() + r * d;
                double s = 0;
                for (int j = 0; j < d; j++) { double e = a[p + j]; s += e * e; }
                double inv = 1 / Math.sqrt(s / d + eps);
                int o = r * d;
                for (int j = 0; j < d; j++) {
                    double y = a[p + j] * inv;
                    if (wd != null) y *= wd.a()[wd.off() + j];
                    out[o + j] = (float) y;
                }
            }
        });
        return Dense.tensor(out, x.shape());
    }

    static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        if (x.rank() < 2) throw new ShapeException("groupNorm", "input must be [B, C, ...], got " + ShapeException.fmt(x.shape()));
        int b = x.size(0), c = x.size(1);
        if (groups <= 0 || c % groups != 0)
            throw new ShapeException("groupNorm", c + " channels of " + ShapeException.fmt(x.shape()) + " do not split into " + groups + " groups");
        Dense xd = Dense.of("groupNorm", x), wd = param("groupNorm", weight, c, "weight"), bd = param("groupNorm", bias, c, "bias");
        int spatial = c == 0 || b == 0 ? 0 : Math.toIntExact(x.numel() / ((long) b * c));
        int cpg = c / groups;
        int groupSize = cpg * spatial;
        float[] out = new float[Math.toIntExact(x.numel())];
        float[] a = xd.a();
        WorkerPool.parallelFor(b * groups, Math.max(1, 8192 / Math.max(1, groupSize)), (g0, g1) -> {
            for (int g = g0; g < g1; g++) {
                int p = xd.off() + g * groupSize;
                double mean = mean(a, p, groupSize);
                double inv = invStd(a, p, groupSize, mean, eps);
                for (int cc = 0; cc < cpg; cc++) {
                    int ch = (g % groups) * cpg + cc;
                    double wv = wd == null ? 1 : wd.a()[wd.off() + ch], bv = bd == null ? 0 : bd.a()[bd.off() + ch];
                    int q = g * groupSize + cc * spatial;
                    for (int j = 0; j < spatial; j++) out[q + j] = (float) ((a[p + cc * spatial + j] - mean) * inv * wv + bv);
                }
            }
        });
        return Dense.tensor(out, x.shape());
    }

    /** Mean of {@code a[p, p+n)}, summed in double. */
    private static double mean(float[] a, int p, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) s += a[p + j];
        return s / n;
    }

    /** {@code 1 / sqrt(var + eps)} of {@code a[p, p+n)} about {@code mean} (two-pass, in double). */
    private static double invStd(float[] a, int p, int n, double mean, float eps) {
        double v = 0;
        for (int j = 0; j < n; j++) { double e = a[p + j] - mean; v += e * e; }
        return 1 / Math.sqrt(v / n + eps);
    }

    static Tensor softmax(Tensor x) {
        if (x.rank() < 1) throw new ShapeException("softmax", "input must have rank >= 1");
        int d = x.size(-1);
        Dense xd = Dense.of("softmax", x);
        int rows = d == 0 ? 0 : Math.toIntExact(x.numel() / d);
        float[] out = new float[Math.toIntExact(x.numel())];
        float[] a = xd.a();
        WorkerPool.parallelFor(rows, Math.max(1, 8192 / Math.max(1, d)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int p = xd.off() + r * d, o = r * d;
                float m = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < d; j++) m = Math.max(m, a[p + j]);
                if (m == Float.NEGATIVE_INFINITY) m = 0; // all −∞: exp gives 0/0 = NaN as PyTorch does
                double s = 0;
                for (int j = 0; j < d; j++) { float e = (float) Math.exp(a[p + j] - m); out[o + j] = e; s += e; }
                float inv = (float) (1 / s);
                for (int j = 0; j < d; j++) out[o + j] *= inv;
            }
        });
        return Dense.tensor(out, x.shape());
    }
}
