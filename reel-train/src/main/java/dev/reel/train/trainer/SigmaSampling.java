package dev.reel.train.trainer;

import dev.reel.core.ReelException;
import java.util.random.RandomGenerator;

/**
 * How a training σ is drawn, as FastVideo's {@code compute_density_for_timestep_sampling}: {@code u} uniform on
 * (0, 1) or logit-normal ({@code sigmoid(N(mean, std))}), then the scheduler's shift
 * {@code σ = shift·u / (1 + (shift − 1)·u)}.
 */
public record SigmaSampling(Kind kind, double logitMean, double logitStd, double shift) {
    public enum Kind { UNIFORM, LOGIT_NORMAL }

    public SigmaSampling {
        if (shift <= 0) throw new ReelException("--flow-shift must be > 0, got " + shift);
        if (logitStd <= 0) throw new ReelException("--logit-std must be > 0, got " + logitStd);
    }

    public float sample(RandomGenerator rnd) {
        double u = switch (kind) {
            case UNIFORM -> rnd.nextDouble();
            case LOGIT_NORMAL -> 1 / (1 + Math.exp(-(logitMean + logitStd * rnd.nextGaussian())));
        };
        return (float) (shift * u / (1 + (shift - 1) * u));
    }

    public static Kind parseKind(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
            case "uniform" -> Kind.UNIFORM;
            case "logit-normal" -> Kind.LOGIT_NORMAL;
            default -> throw new ReelException("--sigma-sampling '" + s + "' is not known; allowed: uniform, logit-normal");
        };
    }
}
