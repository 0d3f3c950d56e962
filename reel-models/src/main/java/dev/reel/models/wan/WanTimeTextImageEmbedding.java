package dev.reel.models.wan;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/**
 * The conditioning embedder ({@code condition_embedder}): the timestep becomes {@code temb} (sinusoid → MLP)
 * and the six per-block modulation vectors {@code timestep_proj = time_proj(silu(temb))}; the text-encoder
 * states are projected to the model width; in image-to-video models the CLIP states are embedded too
 * ({@link WanImageEmbedding}).
 */
public final class WanTimeTextImageEmbedding extends Module {
    /** {@code timesteps_proj} (no weights). */
    public final Timesteps timestepsProj;
    /** {@code time_embedder}: freqDim → dim; kept in fp32 like the reference. */
    public final TimestepEmbedding timeEmbedder;
    /** {@code time_proj}: dim → 6·dim. */
    public final Linear timeProj;
    /** {@code text_embedder}: textDim → dim. */
    public final PixArtAlphaTextProjection textEmbedder;
    /** {@code image_embedder}: imageDim → dim, or null without an image branch. */
    public final WanImageEmbedding imageEmbedder;

    private final int dim;

    public WanTimeTextImageEmbedding(int dim, int timeFreqDim, int textEmbedDim) { this(dim, timeFreqDim, textEmbedDim, 0, 0); }

    /** @param imageEmbedDim CLIP width (0: no image embedder); @param posEmbedSeqLen its position table's length (0: none) */
    public WanTimeTextImageEmbedding(int dim, int timeFreqDim, int textEmbedDim, int imageEmbedDim, int posEmbedSeqLen) {
        this.dim = dim;
        this.timestepsProj = new Timesteps(timeFreqDim);
        this.timeEmbedder = child("time_embedder", new TimestepEmbedding(timeFreqDim, dim));
        this.timeProj = child("time_proj", new Linear(dim, 6 * dim, true));
        this.textEmbedder = child("text_embedder", new PixArtAlphaTextProjection(textEmbedDim, dim));
        this.imageEmbedder = imageEmbedDim > 0 ? child("image_embedder", new WanImageEmbedding(imageEmbedDim, dim, posEmbedSeqLen)) : null;
    }

    /**
     * The embedder's outputs.
     *
     * @param temb         {@code [B, dim]} timestep embedding (final-norm modulation); {@code [B, F, dim]} per frame
     * @param timestepProj {@code [B, 6, dim]} per-block modulation before each block's {@code scale_shift_table};
     *                     {@code [B, F, 6, dim]} per frame
     * @param text         {@code [B, Ltext, dim]} projected text states (cross-attention keys/values)
     * @param image        {@code [B, Limage, dim]} embedded image states, or null (text-to-video)
     */
    public record Output(Tensor temb, Tensor timestepProj, Tensor text, Tensor image) {}

    /**
     * @param timestep            one diffusion timestep per batch element
     * @param encoderHiddenStates {@code [B, Ltext, textDim]} in the model's dtype
     */
    public Output forward(float[] timestep, Tensor encoderHiddenStates) { return forward(timestep, encoderHiddenStates, null); }

    /** @param encoderHiddenStatesImage CLIP states {@code [B·n, N, imageDim]} in the model's dtype, or null */
    public Output forward(float[] timestep, Tensor encoderHiddenStates, Tensor encoderHiddenStatesImage) {
        Tensor[] time = time(timestep, encoderHiddenStates);
        Tensor text = textEmbedder.forward(encoderHiddenStates);                             // [B, Ltext, dim]
        Tensor image = encoderHiddenStatesImage == null ? null : imageEmbedder.forward(encoderHiddenStatesImage);   // [B, Limage, dim]
        return new Output(time[0], time[1].unflatten(1, 6, dim), text, image);               // [B, dim], [B, 6, dim]
    }

    /** {@code temb} {@code [N, dim]} and {@code time_proj(silu(temb))} {@code [N, 6·dim]} of N timesteps, in {@code like}'s dtype. */
    private Tensor[] time(float[] timestep, Tensor like) {
        Tensor sinusoid = timestepsProj.forward(timestep, like.backend());                  // [N, freqDim] fp32
        Tensor temb = timeEmbedder.forward(sinusoid.to(timeEmbedder.linear1.weight.get().dtype()))
                .to(like.dtype());                                                          // [N, dim]
        return new Tensor[] {temb, timeProj.forward(temb.backend().silu(temb))};            // [N, 6·dim]
    }

    /**
     * Per-frame timesteps (Wan2.2 TI2V's {@code expand_timesteps}): {@code temb} {@code [B, F, dim]} and
     * {@code timestepProj} {@code [B, F, 6, dim]}, one row per latent frame, as Diffusers' per-token rows.
     */
    public Output forward(FrameTimesteps timesteps, Tensor encoderHiddenStates) {
        int b = timesteps.batch(), f = timesteps.frames();
        Tensor[] time = time(timesteps.values(), encoderHiddenStates);                       // [B·F, dim], [B·F, 6·dim]
        return new Output(time[0].reshape(b, f, dim), time[1].reshape(b, f, 6, dim), textEmbedder.forward(encoderHiddenStates), null);
    }
}
