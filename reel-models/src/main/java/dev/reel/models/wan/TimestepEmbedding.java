package dev.reel.models.wan;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/** Diffusers' {@code TimestepEmbedding}: {@code linear_2(silu(linear_1(x)))}, {@code [N, in] → [N, dim]}. */
public final class TimestepEmbedding extends Module {
    /** {@code linear_1}. */
    public final Linear linear1;
    /** {@code linear_2}. */
    public final Linear linear2;

    public TimestepEmbedding(int inChannels, int dim) {
        this.linear1 = child("linear_1", new Linear(inChannels, dim, true));
        this.linear2 = child("linear_2", new Linear(dim, dim, true));
    }

    public Tensor forward(Tensor x) {
        return linear2.forward(x.backend().silu(linear1.forward(x)));
    }
}
