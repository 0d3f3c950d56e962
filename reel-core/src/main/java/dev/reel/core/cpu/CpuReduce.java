package dev.reel.core.cpu;

import dev.reel.core.Tensor;

/** Reductions along one dim (sum, mean, max, L2 norm), accumulated in double. */
final class CpuReduce {
    private CpuReduce() {}

    enum Kind { SUM, MEAN, MAX, NORM }

    static Tensor reduce(Kind kind, Tensor x, int dim, boolean keepDim) {
        String op = kind.name().toLowerCase(java.util.Locale.ROOT);
        Dense.f32(op, x);
        int ax = x.axis(dim);
        int[] shape = x.shape();
        int n = shape[ax];
        int outer = 1, inner = 1;
        for (int i = 0; i < ax; i++) outer *= shape[i];
        for (int i = ax + 1; i < shape.length; i++) inner *= shape[i];
        Dense xd = Dense.of(op, x);
        float[] a = xd.a();
        int off = xd.off();
        float[] out = new float[outer * inner];
        int in = inner;
        int blocks = (inner + 255) / 256;
        WorkerPool.parallelFor(outer * blocks, Math.max(1, 16384 / Math.max(1, n * Math.min(inner, 256))), (t0, t1) -> {
            double[] acc = new double[Math.min(in, 256)];
            for (int t = t0; t < t1; t++) {
                int o = t / blocks, j0 = (t % blocks) * 256, jn = Math.min(256, in - j0);
                java.util.Arrays.fill(acc, kind == Kind.MAX ? Double.NEGATIVE_INFINITY : 0);
                for (int r = 0; r < n; r++) {
                    int p = off + (o * n + r) * in + j0;
                    switch (kind) {
                        case SUM, MEAN -> { for (int j = 0; j < jn; j++) acc[j] += a[p + j]; }
                        case NORM -> { for (int j = 0; j < jn; j++) { double e = a[p + j]; acc[j] += e * e; } }
                        case MAX -> {
                            for (int j = 0; j < jn; j++) {
                                float e = a[p + j];
                                if (e > acc[j] || e != e) acc[j] = e;
                            }
                        }
                    }
                }
                int q = o * in + j0;
                for (int j = 0; j < jn; j++) {
                    out[q + j] = (float) switch (kind) {
                        case SUM -> acc[j];
                        case MEAN -> acc[j] / n;
                        case NORM -> Math.sqrt(acc[j]);
                        case MAX -> n == 0 ? Double.NaN : acc[j];
                    };
                }
            }
        });
        int[] os;
        if (keepDim) { os = shape; os[ax] = 1; }
        else {
            os = new int[shape.length - 1];
            for (int i = 0, k = 0; i < shape.length; i++) if (i != ax) os[k++] = shape[i];
        }
        return Dense.tensor(out, os);
    }
}
