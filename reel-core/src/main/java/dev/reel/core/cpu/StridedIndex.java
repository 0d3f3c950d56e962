package dev.reel.core.cpu;

/** Walks the storage positions of a strided view in row-major order. */
final class StridedIndex {
    private final int[] shape;
    private final long[] strides;
    private final int[] idx;
    private long pos;
    private boolean started;

    StridedIndex(int[] shape, long[] strides, long offset) {
        this.shape = shape;
        this.strides = strides;
        this.idx = new int[shape.length];
        this.pos = offset;
    }

    /** The next storage position. */
    long next() {
        if (!started) { started = true; return pos; }
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) { pos += strides[d]; return pos; }
            pos -= strides[d] * (shape[d] - 1);
            idx[d] = 0;
        }
        return pos;
    }
}
