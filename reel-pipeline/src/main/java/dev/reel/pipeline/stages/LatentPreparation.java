package dev.reel.pipeline.stages;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.VideoGeometry;
import java.util.SplittableRandom;

/**
 * Stage 4: the initial latents ({@link VideoGeometry#latentShape}: {@code [1, C, (F−1)/4 + 1, H/8, W/8]} for Wan2.1) in fp32: the request's own, or standard
 * Gaussian noise from the request's seed (a fresh one when none is given), scaled by the scheduler's initial
 * noise sigma. The noise is Reel's own (SplittableRandom + Box–Muller), so a seed gives the same video on every
 * device, not the same as PyTorch's generator.
 */
public final class LatentPreparation implements Stage {
    private final VideoGeometry geometry;
    private final Backend backend;

    /** @param geometry the model's latent layout (channels and the VAE's factors) */
    public LatentPreparation(VideoGeometry geometry, Backend backend) {
        this.geometry = geometry;
        this.backend = backend;
    }

    @Override public String name() { return "LatentPreparation"; }

    @Override public void run(PipelineState state) {
        GenerationRequest r = state.request();
        int[] shape = geometry.latentShape(r.numFrames(), r.height(), r.width());
        if (r.latents() != null) {
            state.latents = backend.copyFrom(r.latents()).to(DType.F32);
            return;
        }
        float sigma = (float) state.scheduler.initNoiseSigma();
        float[] noise = gaussian(state.seed, Math.toIntExact(Tensor.numel(shape)));
        if (sigma != 1f) for (int i = 0; i < noise.length; i++) noise[i] *= sigma;
        state.latents = backend.fromFloats(noise, DType.F32, shape);
    }

    /** {@code n} standard normal values from {@code seed} (Box–Muller on SplittableRandom). */
    public static float[] gaussian(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i += 2) {
            double u1 = 1.0 - rnd.nextDouble();  // (0, 1]: log is finite
            double u2 = rnd.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            out[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < n) out[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
        }
        return out;
    }
}
