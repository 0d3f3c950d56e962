package dev.reel.train.data;

import dev.reel.core.Tensor;
import java.util.List;

/**
 * A batch for the trainer: rows of one latent shape stacked.
 *
 * @param latents        {@code [B, C, T, H, W]} VAE latents as stored (un-normalised)
 * @param textEmbeddings {@code [B, textLength, D]}, zero past each caption's real length
 * @param textLengths    each caption's real token count
 * @param captions       the captions
 * @param epoch          the pass over the data the batch was drawn in (0-based)
 */
public record LatentBatch(Tensor latents, Tensor textEmbeddings, int[] textLengths, List<String> captions, int epoch) {
    /** B. */
    public int size() { return captions.size(); }
}
