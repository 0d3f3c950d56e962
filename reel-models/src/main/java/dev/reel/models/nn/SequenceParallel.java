package dev.reel.models.nn;

import dev.reel.core.Backend;
import dev.reel.core.Tensor;
import dev.reel.core.dist.Communicator;

/**
 * Ulysses sequence parallelism for one forward pass over {@code tokens} tokens: each of the group's {@code n} ranks
 * holds a contiguous shard of {@code ⌈tokens/n⌉} tokens (the last ones zero padding when {@code n} does not divide
 * the count). Everything token-local (projections, norms, cross-attention, FFN) runs on the shard; self-attention
 * exchanges the shard's heads for the whole sequence of {@code heads/n} heads and back ({@link #attention}).
 * {@link #LOCAL} is the one-rank case: no exchange, no padding.
 */
public final class SequenceParallel {
    /** No sequence parallelism. */
    public static final SequenceParallel LOCAL = new SequenceParallel(null, 0);

    private final Communicator group;
    private final int tokens;
    private final int shard;

    private SequenceParallel(Communicator group, int tokens) {
        this.group = group;
        this.tokens = tokens;
        this.shard = group == null ? tokens : (tokens + group.size() - 1) / group.size();
    }

    /**
     * Splitting {@code tokens} tokens over {@code group} (null: {@link #LOCAL}). A group of one rank still runs the
     * exchanges (through itself), which is how a one-GPU machine checks the communicator in the model's path.
     */
    public static SequenceParallel over(Communicator group, int tokens) {
        return group == null ? LOCAL : new SequenceParallel(group, tokens);
    }

    /** True when tokens are split over more than one rank. */
    public boolean isSplit() { return group != null; }

    /** Ranks in the group (1 when local). */
    public int degree() { return group == null ? 1 : group.size(); }

    /**
     * This rank's shard of {@code x} along {@code dim} (the token axis, of length {@code tokens}): padded with zeros
     * to {@code n·⌈tokens/n⌉}, then the rank's contiguous piece. Padded positions hold zeros in every tensor sharded
     * this way (tokens and rotary tables alike), so the real tokens keep their real positions.
     */
    public Tensor shard(Tensor x, int dim) {
        if (group == null) return x;
        return padTo(x, dim, shard * group.size()).narrow(dim, group.rank() * shard, shard).contiguous();
    }

    /** The whole sequence back from every rank's shard along {@code dim}, padding dropped. */
    public Tensor gather(Tensor x, int dim) {
        if (group == null) return x;
        return group.allGather(x, dim).narrow(dim, 0, tokens);
    }

    /**
     * Scaled dot-product self-attention of the whole sequence, from this rank's shards: q/k/v {@code [B, s, H, D]}
     * (s = the shard) → all-to-all to {@code [B, L_padded, H/n, D]} → padding dropped from queries and keys (which
     * is what masking the padded keys would give, exactly, on any backend) → attention → padded again → all-to-all
     * back to {@code [B, s, H, D]}.
     */
    public Tensor attention(Tensor q, Tensor k, Tensor v, float scale) {
        Backend b = q.backend();
        if (group == null) return attend(b, q, k, v, scale);
        Tensor qh = group.allToAll(q, 2, 1).narrow(1, 0, tokens);                   // [B, L, H/n, D]
        Tensor kh = group.allToAll(k, 2, 1).narrow(1, 0, tokens);
        Tensor vh = group.allToAll(v, 2, 1).narrow(1, 0, tokens);
        Tensor o = padTo(attend(b, qh, kh, vh, scale), 1, shard * group.size()); // [B, L_padded, H/n, D]
        return group.allToAll(o, 1, 2);                                             // [B, s, H, D]
    }

    /** {@code [B, L, H, D]} attention, in and out. */
    private static Tensor attend(Backend b, Tensor q, Tensor k, Tensor v, float scale) {
        return b.attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), null, scale).transpose(1, 2);
    }

    private static Tensor padTo(Tensor x, int dim, int length) {
        int a = x.axis(dim), extra = length - x.size(a);
        if (extra == 0) return x;
        int[] pads = new int[2 * x.rank()];                 // (before, after) pairs from the last dim
        pads[2 * (x.rank() - 1 - a) + 1] = extra;
        return x.backend().pad(x, pads, 0f);
    }
}
