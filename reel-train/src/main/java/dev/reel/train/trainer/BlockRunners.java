package dev.reel.train.trainer;

import dev.reel.core.Tensor;
import dev.reel.models.wan.WanTransformer3DModel.BlockRunner;
import dev.reel.train.autograd.Tape;

/** How the transformer's blocks run while training. */
public final class BlockRunners {
    private BlockRunners() {}

    /** Every op of every block recorded on the tape (most memory, no recompute). */
    public static BlockRunner recorded() {
        return (block, x, text, timestepProj, rope) -> block.forward(x, text, timestepProj, rope);
    }

    /** Per-block activation checkpointing: only each block's inputs are kept; the backward re-runs the block. */
    public static BlockRunner checkpointed(Tape tape) {
        return (block, x, text, timestepProj, rope) -> tape.checkpoint(
                in -> block.forward(in[0], in[1], in[2], rope), new Tensor[] {x, text, timestepProj}, rope.cos(), rope.sin());
    }
}
