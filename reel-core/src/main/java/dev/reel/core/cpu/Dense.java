package dev.reel.core.cpu;

import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;

/**
 * Row-major F32 values of a tensor: the tensor's own array when it is contiguous, else a packed copy
 * (a plain array, not a scoped tensor, so temporaries die with the op).
 *
 * @param a   the values
 * @param off index of the first value in {@code a}
 */
record Dense(float[] a, int off) {

    /** The F32 values of {@code t} in row-major order; throws if {@code t} is not F32 or was freed. */
    static Dense of(String op, Tensor t) {
        float[] src = f32(op, t);
        if (t.isContiguous()) return new Dense(src, Math.toIntExact(t.offset()));
        float[] out = new float[Math.toIntExact(t.numel())];
        gather(src, t.shape(), t.strides(), t.offset(), out, 0);
        return new Dense(out, 0);
    }

    /** The storage array of an F32 CPU tensor (any view). */
    static float[] f32(String op, Tensor t) {
        CpuBackend.checkCpu(op, t);
        if (t.dtype() != DType.F32) throw new ReelException(op + ": CPU compute needs F32 tensors, got " + t.dtype() + " " + t + " (convert with to(DType.F32))");
        return ((CpuStorage) t.storage()).floats();
    }

    /** A new contiguous F32 tensor over {@code values}. */
    static Tensor tensor(float[] values, int... shape) {
        return new Tensor(CpuStorage.wrap(values), shape);
    }

    /** Copies the strided view (shape, strides, offset) of {@code src} into {@code dst} row-major. */
    static void gather(float[] src, int[] shape, long[] strides, long offset, float[] dst, int dstOff) {
        long n = Tensor.numel(shape);
        if (n == 0) return;
        Layout l = Layout.coalesce(shape, strides);
        int inner = l.shape[l.rank() - 1];
        int st = (int) l.strides[l.rank() - 1];
        int rows = (int) (n / inner);
        WorkerPool.parallelFor(rows, Math.max(1, 16384 / inner), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int p = (int) (offset + l.rowOffset(r));
                int d = dstOff + r * inner;
                if (st == 1) System.arraycopy(src, p, dst, d, inner);
                else for (int j = 0; j < inner; j++) dst[d + j] = src[p + j * st];
            }
        });
    }

    /**
     * A shape with its strides after merging adjacent dims that are laid out as one (so inner loops run long).
     * Several stride sets may be coalesced together: dims merge only where every set allows it.
     */
    record Layout(int[] shape, long[] strides, long[][] more) {
        int rank() { return shape.length; }

        static Layout coalesce(int[] shape, long[] strides) { return coalesce(shape, new long[][] {strides}); }

        static Layout coalesce(int[] shape, long[][] sets) {
            int r = shape.length;
            int[] s = new int[Math.max(1, r)];
            long[][] st = new long[sets.length][Math.max(1, r)];
            int k = 0;
            if (r == 0) { s[0] = 1; }
            for (int i = 0; i < r; i++) {
                if (shape[i] == 1) continue;
                if (k > 0) {
                    boolean merge = true;
                    for (long[] set : sets) if (set[prevIndex(shape, i)] != set[i] * shape[i]) { merge = false; break; }
                    if (merge) {
                        s[k - 1] *= shape[i];
                        for (int q = 0; q < sets.length; q++) st[q][k - 1] = sets[q][i];
                        continue;
                    }
                }
                s[k] = shape[i];
                for (int q = 0; q < sets.length; q++) st[q][k] = sets[q][i];
                k++;
            }
            if (k == 0) { s[0] = 1; k = 1; for (long[] x : st) x[0] = 1; }
            int[] fs = java.util.Arrays.copyOf(s, k);
            long[][] fst = new long[sets.length][];
            for (int q = 0; q < sets.length; q++) fst[q] = java.util.Arrays.copyOf(st[q], k);
            return new Layout(fs, fst[0], fst);
        }

        /** The index of the last non-1 dim before {@code i}. */
        private static int prevIndex(int[] shape, int i) {
            int p = i - 1;
            while (shape[p] == 1) p--;
            return p;
        }

        /** Offset of row {@code r} (all dims but the last) for stride set 0. */
        long rowOffset(long r) { return rowOffset(r, 0); }

        /** Offset of row {@code r} for stride set {@code set}. */
        long rowOffset(long r, int set) {
            long[] st = more[set];
            long off = 0;
            for (int d = shape.length - 2; d >= 0; d--) {
                long i = r % shape[d];
                r /= shape[d];
                off += i * st[d];
            }
            return off;
        }
    }
}
