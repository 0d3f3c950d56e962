package dev.reel.pipeline.stages;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.image.VaeImageProcessor;
import dev.reel.models.nn.Offloaded;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.VideoGeometry;

/**
 * Image-to-video stage, Diffusers' {@code prepare_latents} of {@code WanImageToVideoPipeline}: the first frame (in
 * [−1, 1] at the video's size) followed by zero frames — the last of them replaced by the last frame when one is
 * given — is encoded by the VAE (the latent distribution's mode), normalised per channel, and preceded by the frame
 * mask: 1 for given frames, 0 for the rest, the first frame's value repeated over the VAE's temporal factor so that
 * it folds into {@code r} channels per latent frame. Result: {@code [1, r + z, T', h, w]} fp32.
 */
public final class ImageConditioning implements Stage {
    private final AutoencoderKLWan vae;
    private final Offloaded residency;
    private final VaeImageProcessor processor;
    private final VideoGeometry geometry;
    private final Backend backend;

    /** @param residency where the VAE lives between uses (it is uploaded for the encode at memory levels ≥ 2) */
    public ImageConditioning(AutoencoderKLWan vae, Offloaded residency, VaeImageProcessor processor, VideoGeometry geometry, Backend backend) {
        this.vae = vae;
        this.residency = residency;
        this.processor = processor;
        this.geometry = geometry;
        this.backend = backend;
    }

    @Override public String name() { return "ImageConditioning"; }

    @Override public void run(PipelineState state) {
        GenerationRequest r = state.request();
        int frames = r.numFrames(), h = r.height(), w = r.width();
        try (Scope scope = Scope.open()) {
            Tensor first = processor.preprocess(r.image(), h, w, backend).unsqueeze(2);   // [1, 3, 1, H, W]
            Tensor last = r.lastImage() == null ? null : processor.preprocess(r.lastImage(), h, w, backend).unsqueeze(2);
            int zeros = frames - 1 - (last == null ? 0 : 1);
            Tensor video = zeros == 0 && last == null ? first
                    : last == null ? backend.concat(2, first, backend.zeros(DType.F32, 1, 3, zeros, h, w))
                    : backend.concat(2, first, backend.zeros(DType.F32, 1, 3, zeros, h, w), last);   // [1, 3, F, H, W]
            Tensor latents = residency.use(() -> vae.normalizeLatents(vae.encode(video.to(vae.dtype())).mode()).to(DType.F32));
            Tensor mask = mask(frames, last != null, latents.size(3), latents.size(4));
            state.condition = scope.keep(backend.concat(1, mask, latents));               // [1, r + z, T', h, w]
        }
    }

    /** The frame mask folded to {@code [1, r, T', h, w]} (r the VAE's temporal factor), as Diffusers builds it. */
    private Tensor mask(int frames, boolean lastGiven, int lh, int lw) {
        int r = geometry.temporalFactor();
        int latentFrames = (frames - 1) / r + 1;
        float[] given = new float[frames];
        given[0] = 1f;
        if (lastGiven) given[frames - 1] = 1f;
        // the first frame's value r times, then frames 1…F−1: r·T' values, channel c of latent frame t at r·t + c
        float[] extended = new float[r * latentFrames];
        for (int i = 0; i < r; i++) extended[i] = given[0];
        System.arraycopy(given, 1, extended, r, frames - 1);
        float[] out = new float[r * latentFrames * lh * lw];
        for (int c = 0; c < r; c++) {
            for (int t = 0; t < latentFrames; t++) {
                float v = extended[r * t + c];
                int base = (c * latentFrames + t) * lh * lw;
                for (int i = 0; i < lh * lw; i++) out[base + i] = v;
            }
        }
        return backend.fromFloats(out, DType.F32, 1, r, latentFrames, lh, lw);
    }
}
