package dev.reel.core.cpu;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.util.Arrays;

/** Ops that move values without arithmetic: concat, pad, embedding lookup, nearest upsampling. */
final class CpuLayout {
    private CpuLayout() {}

    static Tensor concat(int dim, Tensor... xs) {
        if (xs == null || xs.length == 0) throw new ShapeException("concat", "needs at least one tensor");
        int[] first = xs[0].shape();
        int ax = xs[0].axis(dim);
        int total = 0;
        for (Tensor t : xs) {
            Dense.f32("concat", t);
            int[] s = t.shape();
            boolean ok = s.length == first.length;
            for (int i = 0; ok && i < s.length; i++) if (i != ax && s[i] != first[i]) ok = false;
            if (!ok) throw new ShapeException("concat", "shapes " + Arrays.toString(Arrays.stream(xs).map(x -> ShapeException.fmt(x.shape())).toArray())
                    + " differ outside dimension " + ax + " (all other dims must match)");
            total += s[ax];
        }
        int[] os = first.clone();
        os[ax] = total;
        int outer = 1, inner = 1;
        for (int i = 0; i < ax; i++) outer *= os[i];
        for (int i = ax + 1; i < os.length; i++) inner *= os[i];
        float[] out = new float[Math.toIntExact(Tensor.numel(os))];
        int rowLen = total * inner;
        int start = 0;
        for (Tensor t : xs) {
            Dense d = Dense.of("concat", t);
            int len = t.size(ax) * inner, s0 = start * inner;
            int o = outer;
            WorkerPool.parallelFor(o, Math.max(1, 16384 / Math.max(1, len)), (r0, r1) -> {
                for (int r = r0; r < r1; r++) System.arraycopy(d.a(), d.off() + r * len, out, r * rowLen + s0, len);
            });
            start += t.size(ax);
        }
        return Dense.tensor(out, os);
    }

    static Tensor pad(Tensor x, int[] pads, float value) {
        Dense.f32("pad", x);
        int r = x.rank();
        if (pads == null || pads.length % 2 != 0 || pads.length > 2 * r)
            throw new ShapeException("pad", "pads " + Arrays.toString(pads) + " must hold (before, after) pairs for at most " + r + " dims of " + ShapeException.fmt(x.shape()));
        int[] in = x.shape(), os = in.clone();
        int[] before = new int[r];
        for (int p = 0; p < pads.length / 2; p++) {
            int d = r - 1 - p;
            before[d] = pads[2 * p];
            os[d] = in[d] + pads[2 * p] + pads[2 * p + 1];
            if (os[d] < 0) throw new ShapeException("pad", "pads " + Arrays.toString(pads) + " crop dimension " + d + " of " + ShapeException.fmt(in) + " below zero");
        }
        float[] out = new float[Math.toIntExact(Tensor.numel(os))];
        if (value != 0f) Arrays.fill(out, value);
        // The region present in both: source starts at max(0, −before), destination at max(0, before).
        Tensor src = x;
        int[] dstStart = new int[r], len = new int[r];
        for (int d = 0; d < r; d++) {
            int s0 = Math.max(0, -before[d]), d0 = Math.max(0, before[d]);
            len[d] = Math.max(0, Math.min(in[d] - s0, os[d] - d0));
            dstStart[d] = Math.min(d0, os[d]);
            src = src.narrow(d, Math.min(s0, in[d]), len[d]);
        }
        Tensor result = Dense.tensor(out, os);
        Tensor dst = result;
        for (int d = 0; d < r; d++) dst = dst.narrow(d, dstStart[d], len[d]);
        if (Tensor.numel(len) > 0) {
            Dense sd = Dense.of("pad", src);
            scatter(sd.a(), sd.off(), out, dst.shape(), dst.strides(), dst.offset());
        }
        return result;
    }

    /** Writes dense row-major values into the strided view (shape, strides, offset) of {@code dst}. */
    static void scatter(float[] src, int srcOff, float[] dst, int[] shape, long[] strides, long offset) {
        Dense.Layout l = Dense.Layout.coalesce(shape, strides);
        int inner = l.shape()[l.rank() - 1];
        int st = (int) l.strides()[l.rank() - 1];
        int rows = Math.toIntExact(Tensor.numel(shape) / inner);
        WorkerPool.parallelFor(rows, Math.max(1, 16384 / inner), (r0, r1) -> {
            for (int q = r0; q < r1; q++) {
                int p = (int) (offset + l.rowOffset(q));
                int s = srcOff + q * inner;
                if (st == 1) System.arraycopy(src, s, dst, p, inner);
                else for (int j = 0; j < inner; j++) dst[p + j * st] = src[s + j];
            }
        });
    }

    static Tensor embedding(Tensor weight, int[] ids, int... idsShape) {
        Dense.f32("embedding", weight);
        if (weight.rank() != 2) throw new ShapeException("embedding", "weight must be [V, D], got " + ShapeException.fmt(weight.shape()));
        if (ids.length != Tensor.numel(idsShape))
            throw new ShapeException("embedding", ids.length + " ids do not fill ids shape " + ShapeException.fmt(idsShape));
        int vocab = weight.size(0), d = weight.size(1);
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= vocab) throw new ShapeException("embedding", "id " + ids[i] + " at position " + i + " is outside the vocabulary of " + vocab + " rows (ids must be in [0, " + vocab + "))");
        Dense w = Dense.of("embedding", weight);
        float[] out = new float[ids.length * d];
        WorkerPool.parallelFor(ids.length, Math.max(1, 16384 / Math.max(1, d)), (i0, i1) -> {
            for (int i = i0; i < i1; i++) System.arraycopy(w.a(), w.off() + ids[i] * d, out, i * d, d);
        });
        return Dense.tensor(out, CpuLinalg.concat(idsShape, d));
    }

    static Tensor upsampleNearest2x(Tensor x) {
        if (x.rank() < 2) throw new ShapeException("upsampleNearest2x", "input needs at least 2 dims (…, H, W), got " + ShapeException.fmt(x.shape()));
        Dense xd = Dense.of("upsampleNearest2x", x);
        int h = x.size(-2), w = x.size(-1);
        int planes = h * w == 0 ? 0 : Math.toIntExact(x.numel() / ((long) h * w));
        int[] os = x.shape();
        os[os.length - 2] = 2 * h;
        os[os.length - 1] = 2 * w;
        float[] out = new float[Math.toIntExact(Tensor.numel(os))];
        float[] a = xd.a();
        WorkerPool.parallelFor(planes * h, Math.max(1, 8192 / Math.max(1, w)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int src = xd.off() + r * w;
                int dst = r * 4 * w; // input row r becomes output rows 2r and 2r+1 (plane-major order is preserved)
                for (int j = 0; j < w; j++) { float v = a[src + j]; out[dst + 2 * j] = v; out[dst + 2 * j + 1] = v; }
                System.arraycopy(out, dst, out, dst + 2 * w, 2 * w);
            }
        });
        return Dense.tensor(out, os);
    }
}
