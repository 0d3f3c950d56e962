package dev.reel.train.optim;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: every gradient scaled by {@code min(1, max/(‖g‖ + 1e-6))}. */
public final class GradientClipping {
    private GradientClipping() {}

    /** Scales {@code grads} in place when their global L2 norm exceeds {@code maxNorm}; returns the norm before clipping. */
    public static float clip(List<Tensor> grads, float maxNorm) {
        float norm;
        try (Scope scope = Scope.open()) {
            // each gradient's norm stays on the device; the norm of those norms is the global one, read back once
            List<Tensor> norms = new ArrayList<>();
            for (Tensor g : grads) {
                if (g != null) norms.add(g.backend().norm(g.reshape(-1), 0, true));   // [1]
            }
            if (norms.isEmpty()) return 0f;
            Backend b = norms.get(0).backend();
            norm = b.norm(b.concat(0, norms.toArray(Tensor[]::new)), 0, false).item();
        }
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
