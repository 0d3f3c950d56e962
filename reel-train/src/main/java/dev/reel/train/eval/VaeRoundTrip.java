package dev.reel.train.eval;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.pipeline.Frames;
import dev.reel.train.dataset.ShapeRenderer;

/**
 * {@code reel eval demo --vae-only}: a prompt's clip rendered from its attributes ({@link EvalPrompts.Prompt#clip}),
 * encoded by a VAE (the posterior's mean) and decoded again. Judging these videos scores what the VAE keeps of what
 * the judge looks for, so it bounds what any denoiser on its latents can reach, and it costs no denoiser training.
 *
 * @param vae      the VAE
 * @param renderer the clips' size and frames (the model's training size)
 */
public record VaeRoundTrip(AutoencoderKLWan vae, ShapeRenderer renderer) {
    /** The round trip of {@code p}'s clip. */
    public Frames of(EvalPrompts.Prompt p) {
        Frames clip = renderer.render(p.clip());
        Backend b = vae.postQuantConv.weight.get().backend();
        try (Scope scope = Scope.open()) {
            Tensor x = b.fromFloats(clip.rgb(), DType.F32, 1, clip.count(), clip.height(), clip.width(), 3)   // [1, T, H, W, 3] in [0, 1]
                    .permute(0, 4, 1, 2, 3).mul(2f).add(-1f).to(vae.dtype());                                  // [1, 3, T, H, W] in [−1, 1]
            Tensor y = vae.decode(vae.encode(x).mean()).to(DType.F32);                                         // [1, 3, T, H, W]
            return Frames.fromVae(y.toFloatArray(), y.size(1), y.size(2), y.size(3), y.size(4));
        }
    }

    /** The evaluation of these round trips. */
    public ShapesEval eval(String vaeFolder) {
        return new ShapesEval("the VAE of " + vaeFolder + " (round trips of rendered clips)", 0, this::of, null);
    }
}
