package dev.reel.train.optim;

import dev.reel.core.AdamWStep;
import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW as {@code torch.optim.AdamW}: decoupled weight decay {@code p ← p·(1 − lr·wd)}, moments
 * {@code m ← β1·m + (1−β1)·g}, {@code v ← β2·v + (1−β2)·g²}, and {@code p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)}.
 * State is fp32. Each parameter's update is one {@link Backend#adamw} (a single kernel where the backend has one), which
 * also applies clipping's coefficient to the gradient as it reads it.
 */
public final class AdamW implements Optimizer {
    private final float beta1, beta2, eps, weightDecay;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>(), expAvgSq = new LinkedHashMap<>();
    private long step;

    public AdamW(float beta1, float beta2, float eps, float weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static AdamW defaults() { return new AdamW(0.9f, 0.999f, 1e-8f, 0.01f); }

    @Override public void step(List<TrainableParameter> params, List<Tensor> grads, float lr, float gradScale) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        AdamWStep update = new AdamWStep(beta1, beta2, eps, 1 - lr * weightDecay, (float) (lr / bc1), (float) Math.sqrt(bc2), gradScale);
        for (int i = 0; i < params.size(); i++) {
            Tensor g = grads.get(i);
            if (g == null) continue;
            TrainableParameter p = params.get(i);
            Backend b = p.master().backend();
            Tensor m = expAvg.computeIfAbsent(p.name(), k -> Scope.detach(b.zeros(DType.F32, p.master().shape())));
            Tensor v = expAvgSq.computeIfAbsent(p.name(), k -> Scope.detach(b.zeros(DType.F32, p.master().shape())));
            b.adamw(p.master(), g, m, v, update);
            p.masterUpdated();
        }
    }

    @Override public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        expAvg.forEach((k, t) -> out.put(k + ".exp_avg", t));
        expAvgSq.forEach((k, t) -> out.put(k + ".exp_avg_sq", t));
        return out;
    }

    @Override public long steps() { return step; }

    @Override public void restore(Map<String, Tensor> state, long steps) {
        expAvg.clear();
        expAvgSq.clear();
        state.forEach((k, t) -> {
            if (k.endsWith(".exp_avg")) expAvg.put(k.substring(0, k.length() - ".exp_avg".length()), Scope.detach(t));
            else if (k.endsWith(".exp_avg_sq")) expAvgSq.put(k.substring(0, k.length() - ".exp_avg_sq".length()), Scope.detach(t));
        });
        this.step = steps;
    }
}
