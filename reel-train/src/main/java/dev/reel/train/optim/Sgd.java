package dev.reel.train.optim;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SGD as {@code torch.optim.SGD}: {@code g ← g + wd·p}; with momentum {@code buf ← μ·buf + g} (first step: g); {@code p ← p − lr·buf}. */
public final class Sgd implements Optimizer {
    private final float momentum, weightDecay;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private long step;

    public Sgd(float momentum, float weightDecay) {
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override public void step(List<TrainableParameter> params, List<Tensor> grads, float lr, float gradScale) {
        step++;
        for (int i = 0; i < params.size(); i++) {
            Tensor g = grads.get(i);
            if (g == null) continue;
            TrainableParameter p = params.get(i);
            Backend b = p.master().backend();
            try (Scope scope = Scope.open()) {
                if (gradScale != 1f) g = b.scale(g, gradScale);
                Tensor d = weightDecay == 0 ? g : b.add(g, b.scale(p.master(), weightDecay));
                if (momentum != 0) {
                    Tensor buf = buffers.get(p.name());
                    if (buf == null) {
                        buf = Scope.detach(b.contiguous(b.cast(d, DType.F32)));   // a copy: d may be the gradient itself
                        buffers.put(p.name(), buf);
                    } else {
                        b.copyInto(buf, b.add(b.scale(buf, momentum), d));
                    }
                    d = buf;
                }
                p.assign(b.sub(p.master(), b.scale(d, lr)));
            }
        }
    }

    @Override public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        buffers.forEach((k, t) -> out.put(k + ".momentum_buffer", t));
        return out;
    }

    @Override public long steps() { return step; }

    @Override public void restore(Map<String, Tensor> state, long steps) {
        buffers.clear();
        state.forEach((k, t) -> buffers.put(k.substring(0, k.length() - ".momentum_buffer".length()), Scope.detach(t)));
        this.step = steps;
    }
}
