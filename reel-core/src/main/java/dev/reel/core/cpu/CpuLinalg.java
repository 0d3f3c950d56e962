package dev.reel.core.cpu;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/** Matrix products built on {@link CpuGemm}: batched matmul and linear layers. */
final class CpuLinalg {
    private CpuLinalg() {}

    /** {@code [..., M, K] × [..., K, N] → [..., M, N]} with broadcast batch dims. */
    static Tensor matmul(Tensor a, Tensor b) {
        float[] aa = Dense.f32("matmul", a), ba = Dense.f32("matmul", b);
        if (a.rank() < 2 || b.rank() < 2)
            throw new ShapeException("matmul", "operands need rank >= 2, got " + ShapeException.fmt(a.shape()) + " and " + ShapeException.fmt(b.shape()));
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        if (b.size(-2) != k)
            throw new ShapeException("matmul", "inner dimensions differ: " + ShapeException.fmt(a.shape()) + " × " + ShapeException.fmt(b.shape()) + " (a's last dim must equal b's second-to-last)");
        int[] ab = java.util.Arrays.copyOf(a.shape(), a.rank() - 2), bb = java.util.Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batch = CpuElementwise.broadcast("matmul (batch dims)", ab, bb);
        int[] sa = concat(batch, m, k), sb = concat(batch, k, n), so = concat(batch, m, n);
        Tensor ae = a.expand(sa), be = b.expand(sb);
        long[] ast = ae.strides(), bst = be.strides();
        int nb = Math.toIntExact(Tensor.numel(batch));
        float[] out = new float[Math.toIntExact(Tensor.numel(so))];
        int r = batch.length;
        for (int bi = 0; bi < nb; bi++) {
            long ao = ae.offset(), bo = be.offset();
            int rem = bi;
            for (int d = r - 1; d >= 0; d--) {
                int idx = rem % batch[d];
                rem /= batch[d];
                ao += idx * ast[d];
                bo += idx * bst[d];
            }
            CpuGemm.sgemm(m, n, k, aa, (int) ao, (int) ast[r], (int) ast[r + 1], ba, (int) bo, (int) bst[r], (int) bst[r + 1], out, bi * m * n, n);
        }
        return Dense.tensor(out, so);
    }

    /** {@code x · wᵀ + bias}. */
    static Tensor linear(Tensor x, Tensor w, Tensor bias) { return linear(x, w, bias, null); }

    /** {@code x · wᵀ + bias}, then {@code epilogue} (or nothing) applied in place to the result rows. */
    static Tensor linear(Tensor x, Tensor w, Tensor bias, dev.reel.core.Backend.Unary epilogue) {
        float[] wa = Dense.f32("linear", w);
        if (w.rank() != 2) throw new ShapeException("linear", "weight must be [out, in], got " + ShapeException.fmt(w.shape()));
        if (x.rank() < 1) throw new ShapeException("linear", "input must have rank >= 1, got " + ShapeException.fmt(x.shape()));
        int out = w.size(0), in = w.size(1);
        if (x.size(-1) != in)
            throw new ShapeException("linear", "input " + ShapeException.fmt(x.shape()) + " has last dim " + x.size(-1) + " but weight " + ShapeException.fmt(w.shape()) + " expects " + in + " (weight is [out, in])");
        if (bias != null && (bias.rank() != 1 || bias.size(0) != out))
            throw new ShapeException("linear", "bias " + ShapeException.fmt(bias.shape()) + " must be [" + out + "] for weight " + ShapeException.fmt(w.shape()));
        Dense xd = Dense.of("linear", x);
        int rows = Math.toIntExact(x.numel() / Math.max(1, in));
        if (in == 0) rows = Math.toIntExact(Tensor.numel(java.util.Arrays.copyOf(x.shape(), x.rank() - 1)));
        float[] o = new float[rows * out];
        // B(k, j) = w[j, k]: the weight's strides, swapped.
        CpuGemm.sgemm(rows, out, in, xd.a(), xd.off(), in, 1, wa, (int) w.offset(), (int) w.stride(1), (int) w.stride(0), o, 0, out);
        if (bias != null || epilogue != null) {
            Dense bd = bias == null ? null : Dense.of("linear", bias);
            WorkerPool.parallelFor(rows, Math.max(1, 16384 / Math.max(1, out)), (r0, r1) -> {
                if (bd != null) for (int r = r0; r < r1; r++) for (int j = 0; j < out; j++) o[r * out + j] += bd.a()[bd.off() + j];
                if (epilogue != null) CpuElementwise.applyInPlace(epilogue, o, r0 * out, r1 * out);
            });
        }
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        return Dense.tensor(o, shape);
    }

    static int[] concat(int[] head, int... tail) {
        int[] r = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, r, head.length, tail.length);
        return r;
    }
}
