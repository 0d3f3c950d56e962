package dev.reel.models.schedulers;

import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;

/** Helpers shared by the schedulers: the flow shift, step-index checks and scalar-weighted tensor sums. */
final class Schedules {
    private Schedules() {}

    /** The resolution shift of flow matching, {@code s·σ / (1 + (s − 1)·σ)}. */
    static double shift(double shift, double sigma) {
        return shift * sigma / (1 + (shift - 1) * sigma);
    }

    /** {@code num} evenly spaced values from {@code start} to {@code stop} inclusive, rounded as NumPy's linspace. */
    static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        double step = num > 1 ? (stop - start) / (num - 1) : 0;
        for (int i = 0; i < num; i++) y[i] = i * step + start;
        if (num > 1) y[num - 1] = stop;
        return y;
    }

    static int checkStep(int stepIndex, int steps) {
        if (steps == 0) throw new ReelException("scheduler: setTimesteps must be called before stepping");
        if (stepIndex < 0 || stepIndex >= steps) throw new ReelException("scheduler: step index " + stepIndex + " is outside the schedule of " + steps + " steps");
        return stepIndex;
    }

    /**
     * {@code Σ cᵢ·tᵢ}: the coefficients are folded in double by the caller and each applied once, in the
     * tensors' dtype; intermediates are freed.
     */
    static Tensor combine(double[] c, Tensor... t) {
        if (c.length != t.length || c.length == 0) throw new IllegalArgumentException("combine: " + c.length + " coefficients for " + t.length + " tensors");
        try (var scope = Scope.open()) {
            Tensor acc = t[0].mul((float) c[0]);
            for (int i = 1; i < t.length; i++) acc = acc.add(t[i].mul((float) c[i]));
            return scope.keep(acc);
        }
    }
}
