package dev.reel.models.wan;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The temporal feature cache that lets the VAE run a video chunk by chunk (Diffusers' {@code feat_cache} and
 * {@code feat_idx}): every causal time convolution, in call order, owns one {@link Slot} holding the last
 * {@link #CACHE_T} frames of its input from the previous chunk, which stand in for its causal zero padding.
 * Slots are handed out by a cursor that {@link #beginChunk()} rewinds, so the n-th cached layer of one chunk
 * gets the slot the n-th layer of the previous chunk filled.
 *
 * <p>The cache owns its frames: a slot takes them out of every memory scope (so the layers' own scopes can free
 * their intermediates while the frames outlive the chunk that made them) and frees its old frames when it takes
 * new ones, so memory stays at one chunk's worth. {@link #clear()} frees everything.
 */
public final class WanFeatureCache {
    /** Frames a causal 3-tap time convolution needs from the previous chunk. */
    public static final int CACHE_T = 2;

    private final List<Slot> slots = new ArrayList<>();
    private int cursor;

    /** Rewinds the cursor before each chunk. */
    public void beginChunk() { cursor = 0; }

    /** The next layer's slot. */
    Slot next() {
        if (cursor == slots.size()) slots.add(new Slot());
        return slots.get(cursor++);
    }

    /** Number of slots filled so far (one per cached layer). */
    public int size() { return slots.size(); }

    /** Frees every cached tensor and forgets all slots (Diffusers' {@code clear_cache}). */
    public void clear() {
        for (Slot s : slots) s.set(null);
        slots.clear();
        cursor = 0;
    }

    /**
     * One layer's cache. Empty before the first chunk; then the previous chunk's last frames. Upsampling's
     * time convolution skips the first chunk and only marks its slot as {@link #replicate() seen} (Diffusers'
     * {@code "Rep"}), which later reads as zero frames.
     */
    static final class Slot {
        private Tensor frames;
        private boolean replicate;

        /** Cached frames {@code [B, C, ≤CACHE_T, H, W]}, or null. */
        Tensor frames() { return frames; }

        /** True before the layer's first chunk. */
        boolean isEmpty() { return frames == null && !replicate; }

        /** True after upsampling's first chunk, before any frames were cached. */
        boolean isReplicate() { return replicate; }

        /** Marks the slot as seen without frames. */
        void markReplicate() { replicate = true; }

        /**
         * What this slot will hold after {@code x} [B, C, T, H, W]: x's last {@link #CACHE_T} frames, preceded
         * by the previous chunk's last frame when x has only one. Always a new tensor (never a view of x).
         */
        Tensor tailOf(Tensor x) {
            int t = x.size(2);
            Tensor tail = x.narrow(2, Math.max(0, t - CACHE_T), Math.min(t, CACHE_T));
            if (tail.size(2) < CACHE_T && frames != null) {
                Tensor last = frames.narrow(2, frames.size(2) - 1, 1);
                return x.backend().concat(2, last, tail);
            }
            return x.backend().contiguous(tail);
        }

        /** Replaces the cached frames, freeing the old ones; the slot owns {@code next} from here on. */
        void set(Tensor next) {
            if (frames != null && (next == null || frames.storage() != next.storage())) frames.free();
            frames = next == null ? null : Scope.detach(next);
            if (next != null) replicate = false;
        }
    }
}
