package dev.reel.core;

import java.util.List;

/**
 * Where a model's weights live between uses: the seam through which a model whose weights do not all fit on the
 * device has them brought in group by group (a transformer's blocks, in order). The model replaces each group's
 * weights by {@link #weights(int)} once, then brackets each group's compute with {@link #acquire(int)} and
 * {@link #release(int)}; the backend decides where the weights are in between. The model never learns which
 * device library does it.
 *
 * <p>{@link #resident} keeps everything where it is (the CPU's, and level 0's); a GPU backend may keep the
 * groups in host memory and copy group {@code g + 1} while group {@code g} computes.
 */
public interface WeightStreamer extends AutoCloseable {

    /** Number of groups. */
    int groups();

    /**
     * The tensors standing for group {@code group}'s weights, in the order and shapes given: usable by ops only
     * between {@link #acquire(int)} and {@link #release(int)} of that group.
     */
    List<Tensor> weights(int group);

    /** Group {@code group} is about to compute: its weights are in place for every op queued after this call. */
    void acquire(int group);

    /** Group {@code group}'s compute is queued: its memory may be reused once that work is done. */
    void release(int group);

    /** Frees what the streamer holds (the weights included, unless {@link #resident}). */
    @Override void close();

    /** The streamer of the backend holding the groups' tensors ({@link Backend#streamWeights}). */
    static WeightStreamer of(List<List<Tensor>> groups) {
        return groups.isEmpty() || groups.getFirst().isEmpty() ? resident(groups) : groups.getFirst().getFirst().backend().streamWeights(groups);
    }

    /** Weights that stay where they are: every call but {@link #weights(int)} does nothing. */
    static WeightStreamer resident(List<List<Tensor>> groups) {
        List<List<Tensor>> g = groups.stream().map(List::copyOf).toList();
        return new WeightStreamer() {
            @Override public int groups() { return g.size(); }
            @Override public List<Tensor> weights(int group) { return g.get(group); }
            @Override public void acquire(int group) { }
            @Override public void release(int group) { }
            @Override public void close() { }
        };
    }
}
