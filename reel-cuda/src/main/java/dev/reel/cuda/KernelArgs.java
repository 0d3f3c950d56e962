package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of one kernel launch, in the order the kernel declares them, laid out as cuLaunchKernel's
 * {@code void** kernelParams}. Structs ({@code Shape}, {@code Ops<N>}) are written by {@link #shape} and
 * {@link #ops} to match {@code common.cuh}; dtype arguments take {@link KernelAbi} codes.
 */
final class KernelArgs implements AutoCloseable {
    private static final long SHAPE_BYTES = 8 + 8L * KernelAbi.MAXR;
    private static final long OPERAND_BYTES = 16 + 8L * KernelAbi.MAXR;

    private final Arena arena = Arena.ofConfined();
    private final List<MemorySegment> values = new ArrayList<>();

    KernelArgs ptr(long address) {
        values.add(arena.allocateFrom(JAVA_LONG, address));
        return this;
    }

    KernelArgs i32(int v) {
        values.add(arena.allocateFrom(JAVA_INT, v));
        return this;
    }

    KernelArgs i64(long v) {
        values.add(arena.allocateFrom(JAVA_LONG, v));
        return this;
    }

    /** A dtype argument ({@link KernelAbi#dtype}). */
    KernelArgs dtype(DType t) { return i32(KernelAbi.dtype(t)); }

    /** A tensor argument: its device address on {@code dev}, then its dtype code (the kernels' {@code p, dt} pairs). */
    KernelArgs tensor(CudaDevice dev, Tensor t) { return ptr(dev.addr(t)).dtype(t.dtype()); }

    /** An optional tensor argument: a null pointer and dtype code 0 when absent. */
    KernelArgs optional(CudaDevice dev, Tensor t) { return t == null ? ptr(0).i32(0) : tensor(dev, t); }

    KernelArgs f32(float v) {
        values.add(arena.allocateFrom(JAVA_FLOAT, v));
        return this;
    }

    KernelArgs f64(double v) {
        values.add(arena.allocateFrom(JAVA_DOUBLE, v));
        return this;
    }

    /** {@code struct Shape { int rank; int pad; i64 size[MAXR]; }} */
    KernelArgs shape(long[] size) {
        MemorySegment s = arena.allocate(SHAPE_BYTES, 8);
        s.set(JAVA_INT, 0, size.length);
        for (int d = 0; d < size.length; d++) s.set(JAVA_LONG, 8 + 8L * d, size[d]);
        values.add(s);
        return this;
    }

    /** {@code struct Ops<N> { Operand o[N]; }} with {@code Operand { const void* p; int dt; int pad; i64 st[MAXR]; }} */
    KernelArgs ops(long[] ptrs, int[] dtypes, long[][] strides) {
        MemorySegment s = arena.allocate(OPERAND_BYTES * ptrs.length, 8);
        for (int k = 0; k < ptrs.length; k++) {
            long base = OPERAND_BYTES * k;
            s.set(JAVA_LONG, base, ptrs[k]);
            s.set(JAVA_INT, base + 8, dtypes[k]);
            for (int d = 0; d < strides[k].length; d++) s.set(JAVA_LONG, base + 16 + 8L * d, strides[k][d]);
        }
        values.add(s);
        return this;
    }

    /** The {@code void**} array pointing at every value. */
    MemorySegment pointers() {
        MemorySegment p = arena.allocate(ADDRESS, Math.max(1, values.size()));
        for (int i = 0; i < values.size(); i++) p.setAtIndex(ADDRESS, i, values.get(i));
        return p;
    }

    @Override public void close() { arena.close(); }
}
