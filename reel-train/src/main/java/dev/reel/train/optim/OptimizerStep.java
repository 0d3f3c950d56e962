package dev.reel.train.optim;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.train.autograd.Gradients;
import java.util.ArrayList;
import java.util.List;

/** What every trainer does after its backward: the parameters' gradients in fp32, global-norm clipping, the optimizer's update. */
public final class OptimizerStep {
    private OptimizerStep() {}

    /**
     * Updates {@code params} from {@code grads} at learning rate {@code lr}, clipped to {@code maxGradNorm} (off when
     * {@code <= 0}); returns the gradients' global norm before clipping, or NaN when clipping is off.
     */
    public static float apply(List<TrainableParameter> params, Gradients grads, Optimizer optimizer, float maxGradNorm, float lr) {
        List<Tensor> g32 = new ArrayList<>(params.size());
        for (TrainableParameter p : params) {
            Tensor g = grads.of(p.value());
            g32.add(g == null ? null : g.dtype() == DType.F32 ? g : g.backend().cast(g, DType.F32));
        }
        float norm = maxGradNorm > 0 ? GradientClipping.globalNorm(g32) : Float.NaN;
        optimizer.step(params, g32, lr, maxGradNorm > 0 ? GradientClipping.coefficient(norm, maxGradNorm) : 1f);
        return norm;
    }
}
