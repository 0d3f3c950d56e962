package dev.reel.core.dist;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A group of ranks that are threads of this process, on the CPU: the communicator the CPU backend uses, so every
 * parallel plan runs (and is tested) without a GPU. A collective is two barriers: every rank publishes its tensor
 * in its slot, all wait, each reads what it needs into a new tensor of its own, all wait again (so no slot is
 * reused or freed while another rank still reads it). Sums add the ranks' values in rank order on every rank, so
 * all ranks get bit-identical results.
 */
public final class InProcessGroup {
    private final int size;
    private final CyclicBarrier barrier;
    private final Tensor[] slots;
    /** {@code mailbox[from][to]}: a rendezvous per ordered pair for send/recv. */
    private final SynchronousQueue<Tensor>[][] mailbox;
    /** {@code acks[from][to]}: the receiver's "copied it" back to the sender. */
    private final SynchronousQueue<Tensor>[][] acks;
    private final List<Communicator> ranks;
    private volatile boolean aborted;

    @SuppressWarnings("unchecked")
    private InProcessGroup(int size) {
        if (size < 1) throw new ReelException("a communicator group needs at least one rank, got " + size);
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.slots = new Tensor[size];
        this.mailbox = new SynchronousQueue[size][size];
        this.acks = new SynchronousQueue[size][size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                mailbox[i][j] = new SynchronousQueue<>();
                acks[i][j] = new SynchronousQueue<>();
            }
        }
        List<Communicator> list = new ArrayList<>();
        for (int r = 0; r < size; r++) list.add(new Rank(r));
        this.ranks = List.copyOf(list);
    }

    /** A new group of {@code size} CPU ranks; element {@code r} is rank {@code r}'s end, to be used by one thread. */
    public static List<Communicator> create(int size) { return new InProcessGroup(size).ranks; }

    private void await() {
        if (aborted) throw abortedError(null);
        try {
            barrier.await();
        } catch (BrokenBarrierException e) {
            throw abortedError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abortAll();
            throw abortedError(e);
        }
    }

    private CommunicatorAbortedException abortedError(Throwable cause) {
        return new CommunicatorAbortedException("the in-process communicator group of " + size + " ranks was aborted (another rank failed or was interrupted)", cause);
    }

    private void abortAll() {
        aborted = true;
        barrier.reset();   // wakes every waiting rank with BrokenBarrierException
    }

    private final class Rank implements Communicator {
        private final int rank;

        Rank(int rank) { this.rank = rank; }

        @Override public int rank() { return rank; }
        @Override public int size() { return size; }
        @Override public Device device() { return Device.CPU; }

        /** Publishes {@code x}, waits for all, runs {@code read} over the slots, waits again. */
        private Tensor exchange(Tensor x, Function<Tensor[], Tensor> read) {
            checkCpu(x);
            slots[rank] = x;
            await();
            try {
                for (Tensor t : slots) sameLayout(x, t);
                return read.apply(slots);
            } finally {
                await();
                slots[rank] = null;
            }
        }

        @Override public Tensor allReduceSum(Tensor x) {
            return exchange(x, all -> {
                Backend b = x.backend();
                if (size == 1) return b.copyFrom(all[0]);
                Tensor acc = b.add(all[0], all[1]);
                for (int i = 2; i < size; i++) {
                    Tensor next = b.add(acc, all[i]);
                    acc.free();
                    acc = next;
                }
                return acc;
            });
        }

        @Override public Tensor allGatherStacked(Tensor x) {
            return exchange(x, all -> {
                Tensor[] parts = new Tensor[size];
                for (int i = 0; i < size; i++) parts[i] = all[i].unsqueeze(0);
                return x.backend().concat(0, parts);
            });
        }

        @Override public Tensor allToAllStacked(Tensor x) {
            if (x.rank() == 0 || x.size(0) != size) {
                throw new ShapeException("allToAllStacked", "needs [" + size + ", ...] (one slot per rank), got " + ShapeException.fmt(x.shape()));
            }
            return exchange(x, all -> {
                Tensor[] parts = new Tensor[size];
                for (int i = 0; i < size; i++) parts[i] = all[i].narrow(0, rank, 1);
                return x.backend().concat(0, parts);
            });
        }

        @Override public Tensor broadcast(Tensor x, int root) {
            checkPeer(root);
            return exchange(x, all -> x.backend().copyFrom(all[root]));
        }

        @Override public void send(Tensor x, int peer) {
            checkPeer(peer);
            checkCpu(x);
            // hand the tensor over and wait until the receiver has copied it (the sender's scopes may free it afterwards)
            put(mailbox[rank][peer], x);
            take(acks[rank][peer]);
        }

        @Override public Tensor recv(int peer, DType dtype, int... shape) {
            checkPeer(peer);
            Tensor t = take(mailbox[peer][rank]);
            boolean fits = t.dtype() == dtype && Arrays.equals(t.shape(), shape);
            Tensor mine = fits ? t.backend().copyFrom(t) : null;
            put(acks[peer][rank], t);
            if (!fits) {
                throw new ShapeException("recv", "rank " + rank + " expected " + dtype + " " + ShapeException.fmt(shape) + " from rank " + peer + ", which sent " + t.dtype() + " " + ShapeException.fmt(t.shape()));
            }
            return mine;
        }

        private void put(SynchronousQueue<Tensor> q, Tensor t) {
            try {
                while (!q.offer(t, 50, TimeUnit.MILLISECONDS)) if (aborted) throw abortedError(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw abortedError(e);
            }
        }

        private Tensor take(SynchronousQueue<Tensor> q) {
            try {
                Tensor t;
                while ((t = q.poll(50, TimeUnit.MILLISECONDS)) == null) if (aborted) throw abortedError(null);
                return t;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw abortedError(e);
            }
        }

        private void checkPeer(int peer) {
            if (peer < 0 || peer >= size) throw new ReelException("rank " + peer + " is not in this group of " + size + " ranks (0.." + (size - 1) + ")");
        }

        @Override public void abort() { abortAll(); }

        @Override public void close() {}
    }

    private static void checkCpu(Tensor x) {
        if (x.device().type() != Device.Type.CPU) {
            throw new ReelException("the in-process communicator exchanges CPU tensors; got one on " + x.device() + " (GPUs use NCCL)");
        }
    }

    private static void sameLayout(Tensor mine, Tensor theirs) {
        if (theirs.dtype() != mine.dtype() || !Arrays.equals(theirs.shape(), mine.shape())) {
            throw new ShapeException("collective", "ranks disagree: " + mine.dtype() + " " + ShapeException.fmt(mine.shape()) + " here, "
                    + theirs.dtype() + " " + ShapeException.fmt(theirs.shape()) + " on another rank");
        }
    }
}
