package dev.reel.cuda;

import dev.reel.core.ShapeException;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape and per-operand strides of an elementwise launch with size-1 dimensions dropped and adjacent
 * dimensions merged wherever every operand allows it, so most launches index in one or two dimensions.
 *
 * @param size    the coalesced shape (at least one dimension)
 * @param strides per operand, the strides of the coalesced shape
 */
record Strided(long[] size, long[][] strides) {

    static Strided of(String op, int[] shape, long[]... operandStrides) {
        int nOps = operandStrides.length;
        List<Long> sz = new ArrayList<>();
        List<long[]> st = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            long[] s = new long[nOps];
            for (int k = 0; k < nOps; k++) s[k] = operandStrides[k][d];
            if (!sz.isEmpty()) {
                int last = sz.size() - 1;
                long lastSize = sz.get(last);
                long[] ls = st.get(last);
                boolean merge = true;
                for (int k = 0; k < nOps && merge; k++) merge = ls[k] == s[k] * shape[d];
                if (merge) {
                    sz.set(last, lastSize * shape[d]);
                    st.set(last, s);
                    continue;
                }
            }
            sz.add((long) shape[d]);
            st.add(s);
        }
        if (sz.isEmpty()) {
            sz.add(1L);
            st.add(new long[nOps]);
        }
        if (sz.size() > KernelAbi.MAXR) {
            throw new ShapeException(op, "view of shape " + ShapeException.fmt(shape) + " needs " + sz.size()
                    + " dimensions after merging; the CUDA kernels take at most " + KernelAbi.MAXR + " (make it contiguous first)");
        }
        long[] size = new long[sz.size()];
        long[][] strides = new long[nOps][sz.size()];
        for (int d = 0; d < size.length; d++) {
            size[d] = sz.get(d);
            for (int k = 0; k < nOps; k++) strides[k][d] = st.get(d)[k];
        }
        return new Strided(size, strides);
    }

    int rank() { return size.length; }

    /** Innermost stride of operand k. */
    long inner(int k) { return strides[k][size.length - 1]; }
}
