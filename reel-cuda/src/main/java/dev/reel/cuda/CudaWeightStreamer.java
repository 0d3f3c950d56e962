package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.WeightStreamer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Weight groups kept in page-locked host memory and streamed to the GPU group by group, double-buffered: group
 * {@code g} always lands in device slot {@code g % 2}, so while group {@code g} computes on the device's stream
 * the copy of group {@code g + 1} into the other slot runs on a second (copy) stream. Events order the two: the
 * compute of a group waits for its copy ({@code copied[slot]}), and the copy into a slot waits for the compute of
 * the slot's previous group ({@code computed[slot]}); neither wait blocks the host. After the last group, the
 * first is fetched again for the next pass when its slot is free (an even number of groups).
 *
 * <p>Each group is laid out in its host buffer as in its slot (tensors 256-byte aligned), so one copy moves it.
 * Device memory: two slots of the largest group instead of every group.
 */
final class CudaWeightStreamer implements WeightStreamer {
    private static final Logger LOG = LoggerFactory.getLogger(CudaWeightStreamer.class);
    private static final long ALIGN = 256;
    private static final int SLOTS = 2;

    private final CudaDevice dev;
    private final MemorySegment copyStream;
    private final MemorySegment[] copied = new MemorySegment[SLOTS];
    private final MemorySegment[] computed = new MemorySegment[SLOTS];
    private final long[] slot = new long[SLOTS];
    /** The group whose copy was last queued into each slot, or −1. */
    private final int[] loaded = {-1, -1};
    /** True while a slot's group is acquired and not yet released. */
    private final boolean[] inUse = new boolean[SLOTS];
    private final List<MemorySegment> host = new ArrayList<>();
    private final long[] bytes;
    private final List<List<Tensor>> views = new ArrayList<>();
    private boolean closed;

    /** Moves {@code groups} (contiguous tensors of {@code dev}) to pinned host memory and frees them on the device. */
    CudaWeightStreamer(Backend owner, CudaDevice dev, List<List<Tensor>> groups) {
        this.dev = dev;
        dev.bind();
        int n = groups.size();
        bytes = new long[n];
        List<long[]> offsets = new ArrayList<>();
        long largest = 0;
        for (int g = 0; g < n; g++) {
            List<Tensor> ts = groups.get(g);
            long[] off = new long[ts.size()];
            long at = 0;
            for (int i = 0; i < ts.size(); i++) {
                off[i] = at;
                at = align(at + ts.get(i).numel() * ts.get(i).dtype().byteSize());
            }
            offsets.add(off);
            bytes[g] = at;
            largest = Math.max(largest, at);
        }
        try {
            for (int g = 0; g < n; g++) {
                MemorySegment h = hostAlloc(bytes[g]);
                host.add(h);
                List<Tensor> ts = groups.get(g);
                for (int i = 0; i < ts.size(); i++) {
                    Tensor t = ts.get(i).isContiguous() ? ts.get(i) : ts.get(i).contiguous();
                    long b = t.numel() * t.dtype().byteSize();
                    if (b > 0) dev.cu.copyDtoH(h.asSlice(offsets.get(g)[i], b), dev.addr(t), b, dev.stream);
                }
                dev.cu.synchronize(dev.stream);
                for (Tensor t : ts) t.free();
            }
            for (int s = 0; s < SLOTS; s++) {
                slot[s] = dev.allocate(largest);
                copied[s] = dev.cu.createEvent();
                computed[s] = dev.cu.createEvent();
            }
            copyStream = dev.cu.createStream();
        } catch (RuntimeException e) {
            freeAll();
            throw e;
        }
        for (int g = 0; g < n; g++) {
            List<Tensor> ts = groups.get(g);
            List<Tensor> vs = new ArrayList<>(ts.size());
            for (int i = 0; i < ts.size(); i++) {
                Tensor t = ts.get(i);
                CudaStorage st = CudaStorage.borrowed(owner, dev, t.dtype(), t.numel(), slot[g % SLOTS] + offsets.get(g)[i]);
                vs.add(Scope.detach(new Tensor(st, t.shape())));
            }
            views.add(List.copyOf(vs));
        }
        LOG.debug("streaming {} weight groups ({} MiB each at most) from pinned host memory through 2 device slots", n, largest >> 20);
    }

    private static long align(long b) { return (b + ALIGN - 1) / ALIGN * ALIGN; }

    private MemorySegment hostAlloc(long b) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int r = dev.cu.hostAlloc(out, Math.max(b, 1));
            if (r == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                throw new CudaOutOfMemoryException("cannot pin " + (b >> 20) + " MiB of host memory for streamed weights (memory level 3); "
                        + "the host needs room for the transformer's blocks in page-locked memory", b);
            }
            dev.cu.check(r, "cuMemHostAlloc");
            return out.get(ADDRESS, 0).reinterpret(b);
        }
    }

    @Override public int groups() { return views.size(); }

    @Override public List<Tensor> weights(int group) { return views.get(group); }

    @Override public void acquire(int group) {
        checkOpen();
        dev.bind();
        int s = group % SLOTS;
        if (loaded[s] != group) fetch(group);
        dev.cu.streamWait(dev.stream, copied[s]);
        inUse[s] = true;
        // the next group (the first again after the last) goes into the other slot while this one computes
        int next = (group + 1) % groups();
        int ns = next % SLOTS;
        if (ns != s && loaded[ns] != next && !inUse[ns]) fetch(next);
    }

    @Override public void release(int group) {
        checkOpen();
        int s = group % SLOTS;
        dev.cu.record(computed[s], dev.stream);
        inUse[s] = false;
    }

    /** Queues the copy of {@code group} into its slot once the slot's previous group has computed. */
    private void fetch(int group) {
        int s = group % SLOTS;
        if (inUse[s]) throw new IllegalStateException("weight group " + group + " needs slot " + s + ", still held by group " + loaded[s]);
        dev.cu.streamWait(copyStream, computed[s]);
        dev.cu.copyHtoD(slot[s], host.get(group), bytes[group], copyStream);
        dev.cu.record(copied[s], copyStream);
        loaded[s] = group;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the weight streamer is closed");
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        dev.bind();
        dev.cu.synchronize(copyStream);
        dev.cu.synchronize(dev.stream);
        freeAll();
        dev.cu.destroyStream(copyStream);
    }

    private void freeAll() {
        for (MemorySegment h : host) dev.cu.freeHost(h);
        host.clear();
        for (int s = 0; s < SLOTS; s++) {
            if (slot[s] != 0) dev.free(slot[s]);
            slot[s] = 0;
            if (copied[s] != null) dev.cu.destroyEvent(copied[s]);
            if (computed[s] != null) dev.cu.destroyEvent(computed[s]);
            copied[s] = computed[s] = null;
        }
    }
}
