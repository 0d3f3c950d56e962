package dev.reel.train.trainer;

import dev.reel.core.Backend;
import dev.reel.core.Tensor;

/**
 * Where training samples come from (the Parquet reader, a synthetic set, a fixed batch). A source is a function of
 * the step, so a run resumed at step k sees the same batches as an uninterrupted one.
 */
public interface BatchSource {
    /**
     * Clean latents {@code [B, C, T, H, W]}, text states {@code [B, L, D]} and the captions they encode (null where the
     * source keeps none; a text encoder trained with the transformer needs them) for one step.
     */
    record Sample(Tensor latents, Tensor text, java.util.List<String> captions) {
        /** A sample without captions. */
        public Sample(Tensor latents, Tensor text) { this(latents, text, null); }
    }

    /** The batch of {@code step}, made on {@code backend}. */
    Sample batch(int step, Backend backend);

    /** The text states of the empty prompt {@code [1, L, D]}, what text dropout substitutes (for CFG). */
    Tensor emptyText(Backend backend);
}
