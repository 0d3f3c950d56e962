package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.Tensor;

/** Broadcasting's adjoint: the gradient of a broadcast input is the output gradient summed back to its shape. */
final class Shapes {
    private Shapes() {}

    /** Sums {@code g} over the leading dims {@code shape} lacks and the dims where {@code shape} has 1. */
    static Tensor reduceTo(Backend b, Tensor g, int[] shape) {
        int lead = g.rank() - shape.length;
        for (int i = 0; i < lead; i++) g = b.sum(g, 0, false);
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1 && g.size(d) != 1) g = b.sum(g, d, true);
        }
        return g;
    }

    /** {@code g} reduced to {@code like}'s shape. */
    static Tensor reduceTo(Backend b, Tensor g, Tensor like) {
        return reduceTo(b, g, like.shape());
    }
}
