package dev.reel.core.dist;

import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;

/**
 * One rank's end of a group of ranks that exchange tensors (MPI/NCCL collectives). Every rank of the group calls
 * the same collectives in the same order with tensors of the same shape and dtype; each call returns a new tensor
 * on this rank's device, queued on the device's stream (the host does not wait unless it reads the result).
 *
 * <p>Implementations provide the four flat primitives ({@link #allReduceSum}, {@link #allGatherStacked},
 * {@link #allToAllStacked}, {@link #broadcast}) plus point-to-point {@link #send}/{@link #recv}; the
 * dimension-wise forms that model code uses ({@link #allGather(Tensor, int)}, {@link #allToAll}) are defined here
 * on top of them, so their semantics are one rule for every implementation.
 */
public interface Communicator extends AutoCloseable {

    /** This rank's index in the group, {@code 0 … size−1}. */
    int rank();

    /** Number of ranks in the group. */
    int size();

    /** The device this rank's tensors live on. */
    Device device();

    /** Element-wise sum of every rank's {@code x} (same shape on every rank); every rank gets the sum. */
    Tensor allReduceSum(Tensor x);

    /** Every rank's {@code x} stacked in rank order: {@code [size, ...x.shape]}, on every rank. */
    Tensor allGatherStacked(Tensor x);

    /**
     * The all-to-all exchange on a stacked tensor: {@code x [size, ...s]}, slot {@code j} is sent to rank
     * {@code j}; the result {@code [size, ...s]} holds in slot {@code i} what rank {@code i} sent to this rank.
     */
    Tensor allToAllStacked(Tensor x);

    /** Rank {@code root}'s {@code x} on every rank; other ranks pass a tensor of the same shape and dtype (its values are ignored). */
    Tensor broadcast(Tensor x, int root);

    /** Sends {@code x} to rank {@code peer}, which must call {@link #recv} with its shape and dtype. */
    void send(Tensor x, int peer);

    /** Receives what rank {@code peer} {@link #send sent}. */
    Tensor recv(int peer, DType dtype, int... shape);

    /**
     * Makes every rank blocked in, or later entering, a collective of this group fail with
     * {@link CommunicatorAbortedException}; used when one rank fails so the others do not wait forever. The group is
     * unusable afterwards. Safe to call from any thread.
     */
    void abort();

    /** Frees the group's resources (this rank's end). */
    @Override void close();

    // ---------------------------------------------------------------- derived forms

    /** Every rank's {@code x} concatenated along {@code dim} in rank order. */
    default Tensor allGather(Tensor x, int dim) {
        int a = x.axis(dim);
        return mergeLeadingInto(allGatherStacked(x.contiguous()), a);
    }

    /**
     * Ulysses' exchange: {@code x} is cut into {@code size} equal pieces along {@code scatterDim}, piece {@code j}
     * goes to rank {@code j}, and the pieces received are concatenated along {@code gatherDim} in rank order. With
     * {@code x [B, L/n, H, D]}, {@code allToAll(x, 2, 1)} gives {@code [B, L, H/n, D]} (sequence-sharded to
     * head-sharded) and {@code allToAll(y, 1, 2)} turns it back.
     */
    default Tensor allToAll(Tensor x, int scatterDim, int gatherDim) {
        int n = size();
        int s = x.axis(scatterDim), g = x.axis(gatherDim);
        int[] shape = x.shape();
        if (shape[s] % n != 0) {
            throw new ShapeException("allToAll", "dimension " + s + " of " + ShapeException.fmt(shape) + " does not split into " + n + " equal parts (one per rank)");
        }
        // [.., n·c, ..] → [.., n, c, ..] → slot dim first, contiguous: [n, .., c, ..]
        Tensor split = x.unflatten(s, n, shape[s] / n);
        int[] order = new int[split.rank()];
        order[0] = s;
        for (int i = 0, j = 1; i < split.rank(); i++) if (i != s) order[j++] = i;
        Tensor received = allToAllStacked(split.permute(order).contiguous());    // [n, ...shape with c at s]
        return mergeLeadingInto(received, g);
    }

    /**
     * {@code stacked [n, s0, …]} → {@code [s0, …, n·s_dim, …]}: slot {@code i} becomes the {@code i}-th piece of
     * dimension {@code dim} (a contiguous copy).
     */
    private static Tensor mergeLeadingInto(Tensor stacked, int dim) {
        int r = stacked.rank() - 1;
        int[] order = new int[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            if (i == dim) order[j++] = 0;
            if (i < r) order[j++] = i + 1;
        }
        // order puts the slot axis just before the original axis `dim`, then the two merge
        Tensor moved = stacked.permute(order).contiguous();
        return moved.flatten(dim, dim + 1);
    }
}
