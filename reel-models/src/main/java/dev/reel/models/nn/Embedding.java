package dev.reel.models.nn;

import dev.reel.core.Tensor;

/** A lookup table {@code [num, dim]}: ids → rows. */
public final class Embedding extends Module {
    public final Parameter weight;

    public Embedding(int num, int dim) {
        this.weight = param("weight", num, dim);
    }

    /** ids of shape {@code idsShape} → {@code idsShape + [dim]}. */
    public Tensor forward(int[] ids, int... idsShape) {
        Tensor w = weight.get();
        return w.backend().embedding(w, ids, idsShape);
    }
}
