package dev.reel.pipeline.cache;

import dev.reel.core.ReelException;
import java.util.Arrays;

/**
 * MagCache's calibrated magnitude ratios of one model, per branch and step ({@code cond[0]} and {@code uncond[0]}
 * are the reference's padding 1.0). For a run with another number of steps the reference's nearest-index
 * interpolation picks the values.
 *
 * @param cond   one ratio per step of the calibration run, conditional pass
 * @param uncond the same for the unconditional pass
 */
record MagRatios(double[] cond, double[] uncond) {
    MagRatios {
        if (cond.length == 0 || cond.length != uncond.length) {
            throw new ReelException("MagCache ratios need one value per step for both branches, got " + cond.length + " and " + uncond.length);
        }
        cond = cond.clone();
        uncond = uncond.clone();
    }

    /** From the reference's interleaved list (cond, uncond of step 0, then step 1, …). */
    static MagRatios interleaved(double... ratios) {
        int n = ratios.length / 2;
        double[] c = new double[n], u = new double[n];
        for (int i = 0; i < n; i++) { c[i] = ratios[2 * i]; u[i] = ratios[2 * i + 1]; }
        return new MagRatios(c, u);
    }

    /** The ratio for {@code step} of a run of {@code steps} steps. */
    double at(int step, int steps, Branch branch) {
        double[] r = branch == Branch.COND ? cond : uncond;
        return r.length == steps ? r[step] : r[nearestIndex(step, steps, r.length)];
    }

    /** The reference's {@code nearest_interp}: {@code round(i · (n−1)/(steps−1))}, half to even as numpy rounds. */
    static int nearestIndex(int step, int steps, int n) {
        if (steps == 1) return n - 1;
        double scale = (double) (n - 1) / (steps - 1);
        return (int) Math.rint(step * scale);
    }

    @Override public boolean equals(Object o) {
        return o instanceof MagRatios m && Arrays.equals(cond, m.cond) && Arrays.equals(uncond, m.uncond);
    }

    @Override public int hashCode() { return 31 * Arrays.hashCode(cond) + Arrays.hashCode(uncond); }

    @Override public String toString() { return "MagRatios" + Arrays.toString(cond); }
}
