package dev.reel.models.wan;

import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.models.nn.LayerNorm;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Parameter;

/**
 * {@code condition_embedder.image_embedder} (Diffusers' {@code WanImageEmbedding}): CLIP states → the model width, as
 * fp32 LayerNorm → exact-GELU feed-forward (width kept, then projected) → fp32 LayerNorm. First-and-last-frame models
 * also add a learned position embedding over both images' tokens ({@code pos_embed}), the two images of a sample
 * first joined into one sequence.
 */
public final class WanImageEmbedding extends Module {
    /** FP32LayerNorm's default epsilon (Diffusers builds these norms without the model's eps). */
    private static final float EPS = 1e-5f;

    /** {@code norm1}: affine, over imageDim, computed in fp32. */
    public final LayerNorm norm1;
    /** {@code ff}: imageDim → imageDim → dim. */
    public final FeedForward ff;
    /** {@code norm2}: affine, over dim, computed in fp32. */
    public final LayerNorm norm2;
    /** {@code pos_embed} {@code [1, posEmbedSeqLen, imageDim]}, or null. */
    public final Parameter posEmbed;

    private final int imageDim;

    public WanImageEmbedding(int imageDim, int dim, int posEmbedSeqLen) {
        this.imageDim = imageDim;
        this.norm1 = child("norm1", new LayerNorm(imageDim, EPS, true));
        this.ff = child("ff", new FeedForward(imageDim, imageDim, dim, true));
        this.norm2 = child("norm2", new LayerNorm(dim, EPS, true));
        this.posEmbed = posEmbedSeqLen > 0 ? param("pos_embed", 1, posEmbedSeqLen, imageDim) : null;
    }

    /**
     * @param image {@code [B·n, N, imageDim]}: n = 2 with {@code pos_embed} (consecutive rows are one sample's first
     *              and last image), else 1
     * @return {@code [B, n·N, dim]} in the input's dtype
     */
    public Tensor forward(Tensor image) {
        int[] s = image.shape();
        if (s.length != 3 || s[2] != imageDim) throw new ShapeException("WanImageEmbedding", "encoder_hidden_states_image must be [B, N, " + imageDim + "], got " + ShapeException.fmt(s));
        try (Scope scope = Scope.open()) {
            Tensor x = image;
            if (posEmbed != null) {
                int len = posEmbed.shape()[1];
                if (s[0] % 2 != 0 || 2 * s[1] != len) {
                    throw new ShapeException("WanImageEmbedding", "encoder_hidden_states_image " + ShapeException.fmt(s) + " must hold two images of "
                            + len / 2 + " tokens per sample (pos_embed_seq_len " + len + ")");
                }
                x = x.contiguous().reshape(s[0] / 2, len, imageDim).add(posEmbed.get().to(x.dtype()));   // [B, 2N, imageDim]
            }
            DType dtype = x.dtype();
            Tensor h = norm1.forward(x.to(DType.F32)).to(dtype);   // FP32LayerNorm: fp32 in and out, then the input's dtype
            h = ff.forward(h);
            return scope.keep(norm2.forward(h.to(DType.F32)).to(dtype));
        }
    }
}
