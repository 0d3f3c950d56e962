package dev.reel.train.optim;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exponential moving average of the fp32 master weights, {@code ema ← d·ema + (1 − d)·p} after each step, with
 * Diffusers' {@code EMAModel} warm-up of the decay: {@code d = min(decay, n / (9 + n))} after optimizer step
 * {@code n} (1-based), so the first step copies the weights and the starting weights fade out within a few hundred
 * steps instead of lingering as {@code decay^n} (at 0.999, 13 % after 2,000 steps).
 */
public final class Ema {
    private final float decay;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();

    public Ema(float decay) { this.decay = decay; }

    /** The decay applied after optimizer step {@code n} (1-based). */
    public float decayAt(long n) {
        return (float) Math.min(decay, (n - 1) <= 0 ? 0.0 : (double) n / (9 + n));
    }

    /** Folds in the weights after optimizer step {@code n} (1-based). */
    public void update(List<TrainableParameter> params, long n) {
        float d = decayAt(n);
        for (TrainableParameter p : params) {
            Backend b = p.master().backend();
            Tensor s = shadow.get(p.name());
            if (s == null) { shadow.put(p.name(), Scope.detach(b.contiguous(p.master()))); continue; }
            try (Scope scope = Scope.open()) {
                b.copyInto(s, d == 0f ? p.master() : b.add(b.scale(s, d), b.scale(p.master(), 1 - d)));
            }
        }
    }

    /** Restores averaged weights saved from {@link #weights()}. */
    public void restore(Map<String, Tensor> weights) {
        shadow.clear();
        weights.forEach((k, t) -> shadow.put(k, Scope.detach(t)));
    }

    /** The averaged weights by parameter name. */
    public Map<String, Tensor> weights() { return java.util.Collections.unmodifiableMap(shadow); }
}
