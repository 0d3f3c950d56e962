package dev.reel.models.wan;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;

/**
 * A chain of VAE blocks run one after another on one chunk: each block's output replaces the previous one, which
 * is released at once ({@link Scope#release}: not when a tape saved it for a backward; never the chain's input,
 * which its caller owns, or one sharing storage with the next), so a chunk holds one block's activations at a time
 * instead of every block's until the chunk ends.
 */
final class BlockChain {
    private BlockChain() {}

    /** {@code next}, after releasing {@code previous} where nothing else can still read it. */
    static Tensor advance(Tensor previous, Tensor next, Tensor input) {
        if (previous.storage() != next.storage() && previous.storage() != input.storage()) Scope.release(previous);
        return next;
    }
}
