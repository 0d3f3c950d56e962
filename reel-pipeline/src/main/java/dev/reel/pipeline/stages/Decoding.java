package dev.reel.pipeline.stages;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Offloaded;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanVaeTiling;
import dev.reel.pipeline.Frames;

/**
 * Stage 6: latents → frames. The latent normalisation is undone ({@code latents·std + mean} per channel), the
 * VAE decodes to video {@code [1, 3, F, H, W]} in [−1, 1] (clamped), and the video is mapped to [0, 1] and laid
 * out as {@code [F, H, W, 3]} on the host (Diffusers' {@code output_type="np"}). With a tiling (memory level 2) the
 * VAE decodes in overlapping spatial tiles, and with an offloaded VAE its weights are on the device only meanwhile.
 */
public final class Decoding implements Stage {
    private final AutoencoderKLWan vae;
    private final Offloaded residency;
    private final WanVaeTiling tiling;

    /** The VAE resident, decoding whole frames. */
    public Decoding(AutoencoderKLWan vae) { this(vae, Offloaded.of(vae, false), null); }

    /**
     * @param residency where the VAE's weights are between decodes
     * @param tiling    spatial tiles to decode in, or null for whole frames
     */
    public Decoding(AutoencoderKLWan vae, Offloaded residency, WanVaeTiling tiling) {
        this.vae = vae;
        this.residency = residency;
        this.tiling = tiling;
    }

    @Override public String name() { return "Decoding"; }

    @Override public void run(PipelineState state) {
        float[] video;
        int[] s;
        try (Scope scope = Scope.open()) {
            Tensor v = residency.use(() -> {
                Tensor z = vae.denormalizeLatents(state.latents.to(vae.dtype()));
                return tiling != null ? vae.tiledDecode(z, tiling)
                        : vae.decode(z, (done, total) -> state.progress().onDecodeChunk(done, total));  // [1, 3, F, H, W] in [−1, 1]
            });
            s = v.shape();
            video = v.toFloatArray();
        }
        state.frames = Frames.fromVae(video, s[1], s[2], s[3], s[4]);
    }
}
