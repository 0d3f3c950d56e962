package dev.reel.core;

import java.util.Arrays;

/**
 * An n-dimensional view (shape, strides in elements, offset in elements, dtype) over a {@link Storage}.
 * View methods ({@link #reshape}, {@link #permute}, {@link #narrow}, {@link #unsqueeze}, {@link #expand}, …)
 * never copy; every other method is an op run by the storage's {@link Backend} and returns a new tensor.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final long[] strides;
    private final long offset;

    /** Wraps a storage; backends use this, models use the factories of {@link Backend}. */
    public Tensor(Storage storage, int[] shape, long[] strides, long offset) {
        if (shape.length != strides.length) throw new ShapeException("tensor", "shape " + ShapeException.fmt(shape) + " and strides " + Arrays.toString(strides) + " differ in rank");
        for (int d : shape) if (d < 0) throw new ShapeException("tensor", "negative dimension in shape " + ShapeException.fmt(shape));
        this.storage = storage;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
    }

    /** A contiguous (row-major) view of a whole storage. */
    public Tensor(Storage storage, int... shape) {
        this(storage, shape, contiguousStrides(shape), 0);
        if (numel() > storage.elements()) throw new ShapeException("tensor", "shape " + ShapeException.fmt(shape) + " needs " + numel() + " elements, storage has " + storage.elements());
    }

    /** Row-major strides of a shape. */
    public static long[] contiguousStrides(int[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) { st[i] = s; s *= shape[i]; }
        return st;
    }

    /** Product of the dimensions. */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    // ---- metadata ----

    /** The storage this view reads. */
    public Storage storage() { return storage; }
    /** The element type (the storage's). */
    public DType dtype() { return storage.dtype(); }
    /** The device the storage lives on. */
    public Device device() { return storage.device(); }
    /**
     * The backend that made this tensor's storage, which runs every op on this tensor (seen through this thread's
     * {@link BackendInterceptor}, if one is installed).
     */
    public Backend backend() { return BackendInterceptor.apply(storage.backend()); }
    /** A copy of the shape. */
    public int[] shape() { return shape.clone(); }
    /** A copy of the strides (in elements). */
    public long[] strides() { return strides.clone(); }
    /** Offset into the storage, in elements. */
    public long offset() { return offset; }
    /** Number of dimensions. */
    public int rank() { return shape.length; }
    /** Size of dimension {@code d}; negative counts from the end. */
    public int size(int d) { return shape[axis(d)]; }
    /** Stride of dimension {@code d} in elements (negative {@code d} counts from the end). */
    public long stride(int d) { return strides[axis(d)]; }
    /** Number of elements. */
    public long numel() { return numel(shape); }

    /** True if the view is row-major dense (size-1 dims may have any stride). */
    public boolean isContiguous() {
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    /** Normalises a possibly negative axis. */
    public int axis(int d) {
        int a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= shape.length) throw new ShapeException("axis", "dimension " + d + " is out of range for shape " + ShapeException.fmt(shape));
        return a;
    }

    // ---- views (no copy) ----

    /** Same elements, new shape; one dimension may be -1. Copies only if the view is not contiguous. */
    public Tensor reshape(int... newShape) {
        int[] s = inferShape(newShape);
        if (isContiguous()) return new Tensor(storage, s, contiguousStrides(s), offset);
        return contiguous().reshape(s);
    }

    /** Like {@link #reshape} but refuses to copy. */
    public Tensor view(int... newShape) {
        int[] s = inferShape(newShape);
        if (!isContiguous()) throw new ShapeException("view", "tensor of shape " + ShapeException.fmt(shape) + " with strides " + Arrays.toString(strides) + " is not contiguous; use reshape or contiguous()");
        return new Tensor(storage, s, contiguousStrides(s), offset);
    }

    private int[] inferShape(int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new ShapeException("reshape", "more than one -1 in " + ShapeException.fmt(newShape));
                infer = i;
            } else {
                if (s[i] < 0) throw new ShapeException("reshape", "negative size in " + ShapeException.fmt(newShape));
                known *= s[i];
            }
        }
        long n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) throw new ShapeException("reshape", "cannot infer -1 reshaping " + ShapeException.fmt(shape) + " to " + ShapeException.fmt(newShape));
            s[infer] = (int) (n / known);
        }
        if (numel(s) != n) throw new ShapeException("reshape", "cannot reshape " + ShapeException.fmt(shape) + " (" + n + " elements) to " + ShapeException.fmt(newShape));
        return s;
    }

    /** Reorders dimensions. */
    public Tensor permute(int... order) {
        if (order.length != shape.length) throw new ShapeException("permute", "order " + Arrays.toString(order) + " does not match rank of " + ShapeException.fmt(shape));
        int[] s = new int[order.length];
        long[] st = new long[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int a = axis(order[i]);
            if (seen[a]) throw new ShapeException("permute", "order " + Arrays.toString(order) + " repeats dimension " + a);
            seen[a] = true;
            s[i] = shape[a];
            st[i] = strides[a];
        }
        return new Tensor(storage, s, st, offset);
    }

    /** Swaps two dimensions. */
    public Tensor transpose(int d0, int d1) {
        int a = axis(d0), b = axis(d1);
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** The slice [start, start+length) of dimension {@code dim}. */
    public Tensor narrow(int dim, int start, int length) {
        int a = axis(dim);
        if (start < 0 || length < 0 || start + length > shape[a]) throw new ShapeException("narrow", "range [" + start + ", " + (start + length) + ") is outside dimension " + a + " of size " + shape[a] + " in " + ShapeException.fmt(shape));
        int[] s = shape.clone();
        s[a] = length;
        return new Tensor(storage, s, strides, offset + start * strides[a]);
    }

    /** Index {@code i} of dimension {@code dim}, that dimension removed. */
    public Tensor select(int dim, int i) {
        return narrow(dim, i, 1).squeeze(dim);
    }

    /** Splits dimension {@code dim} into pieces of the given sizes (views). */
    public Tensor[] split(int dim, int... sizes) {
        int a = axis(dim);
        int total = 0;
        for (int z : sizes) total += z;
        if (total != shape[a]) throw new ShapeException("split", "sizes " + Arrays.toString(sizes) + " do not add up to dimension " + a + " of " + ShapeException.fmt(shape));
        Tensor[] out = new Tensor[sizes.length];
        int start = 0;
        for (int i = 0; i < sizes.length; i++) { out[i] = narrow(a, start, sizes[i]); start += sizes[i]; }
        return out;
    }

    /** Splits dimension {@code dim} into {@code n} equal pieces (views). */
    public Tensor[] chunk(int n, int dim) {
        int a = axis(dim);
        if (n <= 0 || shape[a] % n != 0) throw new ShapeException("chunk", "dimension " + a + " of " + ShapeException.fmt(shape) + " does not split into " + n + " equal parts");
        int[] sizes = new int[n];
        Arrays.fill(sizes, shape[a] / n);
        return split(a, sizes);
    }

    /** Inserts a size-1 dimension at {@code dim} (0..rank). */
    public Tensor unsqueeze(int dim) {
        int a = dim < 0 ? dim + shape.length + 1 : dim;
        if (a < 0 || a > shape.length) throw new ShapeException("unsqueeze", "dimension " + dim + " is out of range for " + ShapeException.fmt(shape));
        int[] s = new int[shape.length + 1];
        long[] st = new long[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == a) { s[i] = 1; st[i] = a < shape.length ? strides[a] * shape[a] : 1; }
            else { s[i] = shape[j]; st[i] = strides[j]; j++; }
        }
        return new Tensor(storage, s, st, offset);
    }

    /** Removes dimension {@code dim}, which must be of size 1. */
    public Tensor squeeze(int dim) {
        int a = axis(dim);
        if (shape[a] != 1) throw new ShapeException("squeeze", "dimension " + a + " of " + ShapeException.fmt(shape) + " is not 1");
        int[] s = new int[shape.length - 1];
        long[] st = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != a) { s[j] = shape[i]; st[j] = strides[i]; j++; }
        return new Tensor(storage, s, st, offset);
    }

    /** Broadcasts to {@code target} (size-1 dims repeat with stride 0; new leading dims may be added). */
    public Tensor expand(int... target) {
        if (target.length < shape.length) throw new ShapeException("expand", "cannot expand " + ShapeException.fmt(shape) + " to fewer dimensions " + ShapeException.fmt(target));
        int lead = target.length - shape.length;
        int[] s = new int[target.length];
        long[] st = new long[target.length];
        for (int i = 0; i < target.length; i++) {
            int t = target[i];
            if (i < lead) { s[i] = t; st[i] = 0; continue; }
            int d = shape[i - lead];
            if (t == -1 || t == d) { s[i] = d; st[i] = strides[i - lead]; }
            else if (d == 1) { s[i] = t; st[i] = 0; }
            else throw new ShapeException("expand", "cannot expand " + ShapeException.fmt(shape) + " to " + ShapeException.fmt(target));
        }
        return new Tensor(storage, s, st, offset);
    }

    /** Flattens dims [start, end] into one. */
    public Tensor flatten(int start, int end) {
        int a = axis(start), b = axis(end);
        int[] s = new int[shape.length - (b - a)];
        int j = 0;
        for (int i = 0; i < a; i++) s[j++] = shape[i];
        int m = 1;
        for (int i = a; i <= b; i++) m *= shape[i];
        s[j++] = m;
        for (int i = b + 1; i < shape.length; i++) s[j++] = shape[i];
        return reshape(s);
    }

    /** Splits dimension {@code dim} into {@code sizes} (one may be -1). */
    public Tensor unflatten(int dim, int... sizes) {
        int a = axis(dim);
        int[] s = new int[shape.length - 1 + sizes.length];
        int j = 0;
        for (int i = 0; i < a; i++) s[j++] = shape[i];
        int known = 1, inferAt = -1;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == -1) inferAt = j + i; else known *= sizes[i];
            s[j + i] = sizes[i];
        }
        if (inferAt >= 0) s[inferAt] = shape[a] / known;
        j += sizes.length;
        for (int i = a + 1; i < shape.length; i++) s[j++] = shape[i];
        return reshape(s);
    }

    // ---- ops (delegate to the backend) ----

    /** A dense row-major copy, or this if already dense. */
    public Tensor contiguous() { return isContiguous() ? this : backend().contiguous(this); }
    /** This tensor as {@code dtype}: itself when it already is, else a converted copy. */
    public Tensor to(DType dtype) { return dtype == dtype() ? this : backend().cast(this, dtype); }
    /** Elementwise {@code this + o} (broadcasting). */
    public Tensor add(Tensor o) { return backend().add(this, o); }
    /** Elementwise {@code this - o} (broadcasting). */
    public Tensor sub(Tensor o) { return backend().sub(this, o); }
    /** Elementwise {@code this * o} (broadcasting). */
    public Tensor mul(Tensor o) { return backend().mul(this, o); }
    /** Elementwise {@code this / o} (broadcasting). */
    public Tensor div(Tensor o) { return backend().div(this, o); }
    /** Every element times {@code s}. */
    public Tensor mul(float s) { return backend().scale(this, s); }
    /** Every element plus {@code s}. */
    public Tensor add(float s) { return backend().addScalar(this, s); }
    /** Matrix product over the last two dims (batch dims broadcast). */
    public Tensor matmul(Tensor o) { return backend().matmul(this, o); }
    /** All values, as floats on the host, in row-major order. */
    public float[] toFloatArray() { return backend().toFloatArray(this); }
    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new ShapeException("item", "tensor of shape " + ShapeException.fmt(shape) + " has " + numel() + " elements, not 1");
        return toFloatArray()[0];
    }
    /** Frees the underlying storage now (every view of it becomes invalid). */
    public void free() { storage.free(); }

    @Override public String toString() {
        return "Tensor" + ShapeException.fmt(shape) + " " + dtype() + " on " + device();
    }
}
