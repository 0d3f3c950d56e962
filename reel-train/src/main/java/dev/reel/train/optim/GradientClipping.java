package dev.reel.train.optim;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: every gradient scaled by
 * {@code min(1, max/(‖g‖ + 1e-6))}. The scaling is not applied here: the optimizer takes the coefficient and applies
 * it as it reads each gradient (one pass over the gradients instead of three).
 */
public final class GradientClipping {
    private GradientClipping() {}

    /** The global L2 norm of {@code grads} (nulls skipped; 0 when there are none), read back once. */
    public static float globalNorm(List<Tensor> grads) {
        List<Tensor> present = new ArrayList<>(grads.size());
        for (Tensor g : grads) if (g != null) present.add(g);
        if (present.isEmpty()) return 0f;
        Backend b = present.get(0).backend();
        try (Scope scope = Scope.open()) {
            // each gradient's norm stays on the device (one pass over all of them where the backend has one); the
            // norm of those norms is the global one
            return b.norm(b.norms(present), 0, false).item();
        }
    }

    /** The factor the gradients are scaled by so their global norm {@code norm} is at most {@code maxNorm}: 1 if it is. */
    public static float coefficient(float norm, float maxNorm) {
        float coef = (float) (maxNorm / (norm + 1e-6));
        return coef < 1f ? coef : 1f;   // a NaN norm leaves the gradients as they are, as PyTorch's

    }
}
