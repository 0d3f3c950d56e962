package dev.reel.train.vae;

import dev.reel.core.Backend;
import dev.reel.core.Backend.Unary;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.DiagonalGaussian;

/**
 * The loss {@code reel train-vae} minimises, for clips {@code x} in [−1, 1] and their reconstruction {@code x̂ =
 * decode(mean + exp(logvar/2)·ε)}:
 * <pre>
 *   mean|x̂ − x|  +  klWeight · mean(½(mean² + exp(logvar) − 1 − logvar))  +  gdlWeight · Σ_a mean|Δ_a(x̂ − x)|
 * </pre>
 * an L1 reconstruction and a small KL term, as Wan's VAE is trained, plus an optional gradient-difference term
 * (Mathieu et al., 2016): the L1 of the residual's finite differences {@code Δ_a} along time, height and width, i.e.
 * of {@code Δx̂ − Δx}. It stands in for the perceptual loss Wan adds (which needs a pretrained image network): on
 * frames that are mostly flat colour, plain L1 is dominated by the background, so a VAE can reach a low loss while
 * blurring small objects and smearing their motion across frames; the difference term is zero on flat regions and
 * counts only edges and changes over time, so it weighs exactly what the L1 underweights.
 *
 * @param klWeight  weight of the KL term ({@code >= 0})
 * @param gdlWeight weight of the gradient-difference term ({@code >= 0}; 0: off)
 */
public record VaeLoss(float klWeight, float gdlWeight) {
    public VaeLoss {
        if (!(klWeight >= 0)) throw new ReelException("--kl-weight must be >= 0, got " + klWeight);
        if (!(gdlWeight >= 0)) throw new ReelException("--gdl-weight must be >= 0, got " + gdlWeight);
    }

    /**
     * The loss of {@code vae} on clips {@code x} {@code [B, 3, T, H, W]} with the reparameterisation noise {@code eps}
     * (of the latent's shape), a one-element fp32 tensor. Under a tape it records its gradients.
     */
    public Tensor of(AutoencoderKLWan vae, Tensor x, Tensor eps) {
        Backend b = x.backend();   // under a tape: its recording view of the backend
        DiagonalGaussian q = vae.encode(x);
        Tensor mean = b.cast(q.mean(), DType.F32), logvar = b.cast(q.logvar(), DType.F32);
        Tensor z = b.add(mean, b.mul(b.unary(Unary.EXP, b.scale(logvar, 0.5f)), eps));
        Tensor residual = b.sub(b.cast(vae.decode(z), DType.F32), b.cast(x, DType.F32));   // x̂ − x [B, 3, T, H, W]
        Tensor loss = meanAbs(b, residual);
        // KL(q ‖ N(0, 1)) per latent element: ½(μ² + σ² − 1 − log σ²)
        Tensor kl = b.scale(b.addScalar(b.sub(b.add(b.unary(Unary.SQUARE, mean), b.unary(Unary.EXP, logvar)), logvar), -1f), 0.5f);
        loss = b.add(loss, b.scale(b.mean(kl.reshape(-1), 0, true), klWeight));
        if (gdlWeight > 0) {
            for (int axis = 2; axis <= 4; axis++) {
                int n = residual.size(axis);
                if (n < 2) continue;   // single frames have no time difference
                Tensor diff = b.sub(residual.narrow(axis, 1, n - 1), residual.narrow(axis, 0, n - 1));
                loss = b.add(loss, b.scale(meanAbs(b, diff), gdlWeight));
            }
        }
        return loss;
    }

    private static Tensor meanAbs(Backend b, Tensor t) {
        return b.mean(b.unary(Unary.ABS, t).reshape(-1), 0, true);
    }
}
