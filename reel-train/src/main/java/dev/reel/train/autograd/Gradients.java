package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Storage;
import dev.reel.core.Tensor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Gradients kept per {@link Storage}, so a gradient flowing into any view of a tensor (a slice, a transpose, an
 * expanded broadcast) lands in the right elements of its storage's gradient buffer: the buffer has the storage's
 * layout and the view's strides address it. Buffers are unscoped; their owner (the tape, or the optimizer for
 * parameters) frees them.
 */
public final class Gradients {
    private final Map<Storage, Tensor> buffers = new IdentityHashMap<>();
    /** Storages whose gradient sums in fp32 whatever their dtype: the trained weights (mixed precision's fp32 reduction). */
    private final Set<Storage> fp32 = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Makes the gradient of {@code t}'s storage sum in fp32: a bf16 weight's contributions (one per use, and per
     * micro-step) then add up without bf16 rounding between them, as mixed-precision training reduces gradients.
     */
    void sumInFp32(Tensor t) { fp32.add(t.storage()); }

    /** Adds {@code grad} (of {@code view}'s shape) into the gradient of {@code view}'s elements. */
    void accumulate(Tensor view, Tensor grad, Backend b) {
        Storage s = view.storage();
        int[] shape = view.shape();
        long[] strides = view.strides();
        // a broadcast (stride-0) dim of the view reads one element many times: its gradient is the sum
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] == 0 && shape[d] > 1) { grad = b.sum(grad, d, true); shape[d] = 1; }
        }
        DType type = fp32.contains(s) ? DType.F32 : s.dtype();
        if (grad.dtype() != type) grad = b.cast(grad, type);
        Tensor buffer = buffers.get(s);
        if (buffer == null && view.offset() == 0 && Tensor.numel(shape) == s.elements() && isDense(shape, strides)) {
            buffers.put(s, Scope.detach(b.contiguous(grad).reshape(Math.toIntExact(s.elements()))));   // a copy: grad may alias a buffer about to be freed
            return;
        }
        if (buffer == null) {
            buffer = Scope.detach(b.zeros(type, Math.toIntExact(s.elements())));
            buffers.put(s, buffer);
        }
        Tensor slot = new Tensor(buffer.storage(), shape, strides, view.offset());
        b.copyInto(slot, b.add(slot, grad));
    }

    /** True if {@code strides} are row-major dense for {@code shape} (size-1 dims may have any stride). */
    private static boolean isDense(int[] shape, long[] strides) {
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    /** The gradient of {@code t} in {@code t}'s shape (fp32 for a weight), or null when none has flowed into its storage. */
    public Tensor of(Tensor t) {
        Tensor buffer = buffers.get(t.storage());
        if (buffer == null) return null;
        return new Tensor(buffer.storage(), t.shape(), t.strides(), t.offset());
    }

    /** True if some gradient reached {@code storage}. */
    boolean has(Storage storage) { return buffers.containsKey(storage); }

    /** Frees and forgets the gradient of {@code storage}. */
    void release(Storage storage) {
        Tensor buffer = buffers.remove(storage);
        if (buffer != null) buffer.free();
    }

    /** Frees every buffer. */
    public void clear() {
        for (Tensor t : buffers.values()) t.free();
        buffers.clear();
    }
}
