package dev.reel.train.optim;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.List;

/** Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: every gradient scaled by {@code min(1, max/(‖g‖ + 1e-6))}. */
public final class GradientClipping {
    private GradientClipping() {}

    /** Scales {@code grads} in place when their global L2 norm exceeds {@code maxNorm}; returns the norm before clipping. */
    public static float clip(List<Tensor> grads, float maxNorm) {
        double sq = 0;
        for (Tensor g : grads) {
            if (g == null) continue;
            try (Scope scope = Scope.open()) {
                Backend b = g.backend();
                Tensor flat = g.reshape(-1);
                float n = b.norm(flat, 0, false).item();
                sq += (double) n * n;
            }
        }
        float norm = (float) Math.sqrt(sq);
        float coef = (float) (maxNorm / (norm + 1e-6));
        if (coef < 1f) {
            for (Tensor g : grads) {
                if (g == null) continue;
                try (Scope scope = Scope.open()) { g.backend().copyInto(g, g.backend().scale(g, coef)); }
            }
        }
        return norm;
    }
}
