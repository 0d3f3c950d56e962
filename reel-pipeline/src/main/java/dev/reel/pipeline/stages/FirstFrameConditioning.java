package dev.reel.pipeline.stages;

import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.image.RgbImage;
import dev.reel.models.image.VaeImageProcessor;
import dev.reel.models.nn.Offloaded;
import dev.reel.models.wan.AutoencoderKLWan;

/**
 * Stage 4b (Wan2.2 TI2V with a first frame, the request's {@code image}): the picture, resized and scaled as
 * Diffusers' {@code VaeImageProcessor} does, through the VAE as a one-frame video, its latent
 * distribution's mode normalised ({@code (z − mean) · (1/std)}), as Diffusers' {@code WanImageToVideoPipeline} with
 * {@code expand_timesteps} prepares its {@code condition}. Denoising puts it in place of latent frame 0, whose tokens
 * then run at timestep 0, and puts it there once more before decoding. Without a first frame it does nothing.
 */
public final class FirstFrameConditioning implements Stage {
    private final AutoencoderKLWan vae;
    private final Offloaded residency;
    private final VaeImageProcessor processor;

    public FirstFrameConditioning(AutoencoderKLWan vae, Offloaded residency, VaeImageProcessor processor) {
        this.vae = vae;
        this.residency = residency;
        this.processor = processor;
    }

    @Override public String name() { return "FirstFrameConditioning"; }

    @Override public void run(PipelineState state) {
        RgbImage image = state.request().image();
        if (image == null) return;
        try (Scope scope = Scope.open()) {
            Tensor pixels = processor.preprocess(image, state.request().height(), state.request().width(), state.latents.backend());  // [1, 3, H, W] in [−1, 1]
            Tensor latent = residency.use(() -> {
                Tensor video = pixels.to(vae.dtype()).unsqueeze(2);                                    // [1, 3, 1, H, W]
                return vae.normalizeLatents(vae.encode(video).mean());                       // [1, C, 1, h, w]
            });
            state.firstFrameLatent = scope.keep(latent.to(DType.F32));
        }
    }

    /** {@code latents} {@code [1, C, T, h, w]} with frame 0 replaced by {@code first} {@code [1, C, 1, h, w]}. */
    static Tensor withFirstFrame(Tensor latents, Tensor first) {
        int t = latents.size(2);
        return t == 1 ? latents.backend().contiguous(first) : latents.backend().concat(2, first, latents.narrow(2, 1, t - 1));
    }
}
