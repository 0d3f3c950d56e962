package dev.reel.train.optim;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Exponential moving average of the fp32 master weights: {@code ema ← decay·ema + (1 − decay)·p} after each step. */
public final class Ema {
    private final float decay;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();

    public Ema(float decay) { this.decay = decay; }

    /** Folds the current weights in (the first call copies them). */
    public void update(List<TrainableParameter> params) {
        for (TrainableParameter p : params) {
            Backend b = p.master().backend();
            Tensor s = shadow.get(p.name());
            if (s == null) { shadow.put(p.name(), Scope.detach(b.contiguous(p.master()))); continue; }
            try (Scope scope = Scope.open()) {
                b.copyInto(s, b.add(b.scale(s, decay), b.scale(p.master(), 1 - decay)));
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
