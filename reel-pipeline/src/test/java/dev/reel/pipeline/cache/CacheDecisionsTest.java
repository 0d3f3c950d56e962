package dev.reel.pipeline.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The skip decisions of TeaCache and MagCache against the references' loops, written here in plain doubles
 * ({@code teacache_forward} and {@code magcache_forward} of their Wan2.1 scripts), on synthetic embeddings.
 */
class CacheDecisionsTest {
    static final Backend CPU = Backends.of(Device.CPU);

    /** Embedding of step i: every element {@code v(i)}, so the relative L1 distance is |v(i) − v(i−1)| / |v(i−1)|. */
    static double v(int i) { return 1.0 + 0.03 * i + 0.002 * i * i; }

    static List<Integer> computedSteps(CacheStrategy s, int steps, Branch branch) {
        List<Integer> computed = new ArrayList<>();
        try (CacheBuffers buffers = new CacheBuffers(); Scope scope = Scope.open()) {
            for (int i = 0; i < steps; i++) {
                Tensor e = CPU.full((float) v(i), DType.F32, 1, 8);
                Tensor e0 = CPU.full((float) (2 * v(i)), DType.F32, 1, 6, 8);
                Tensor x = CPU.full(i, DType.F32, 1, 4, 8);
                int step = i;
                s.blocks(new Pass(i, steps, 999 - i, branch), x, e, e0, in -> { computed.add(step); return in.add(1f); }, buffers);
            }
        }
        return computed;
    }

    @Test
    void teaCacheSkipsAsTheReferenceDoes() {
        double[] coefficients = {0, 0, 0, 1.5, 0.01};   // poly(d) = 1.5·d + 0.01
        for (boolean ret : new boolean[] {false, true}) {
            for (double threshold : new double[] {0.05, 0.1, 0.3}) {
                int steps = 20;
                // the reference, per branch: cnt counts this branch's passes
                List<Integer> expected = new ArrayList<>();
                int retSteps = ret ? 5 : 1, cutoff = ret ? steps : steps - 1;
                double acc = 0;
                for (int i = 0; i < steps; i++) {
                    boolean calc;
                    if (i < retSteps || i >= cutoff) {
                        calc = true;
                        acc = 0;
                    } else {
                        double d = Math.abs(v(i) - v(i - 1)) / Math.abs(v(i - 1));   // e and e0 = 2e have the same distance
                        acc += 1.5 * d + 0.01;
                        calc = !(acc < threshold);
                        if (calc) acc = 0;
                    }
                    if (calc) expected.add(i);
                }
                List<Integer> got = computedSteps(new TeaCache(threshold, ret, coefficients), steps, Branch.UNCOND);
                assertEquals(expected, got, "ret_steps " + ret + ", threshold " + threshold);
            }
        }
    }

    @Test
    void magCacheSkipsAsTheReferenceDoes() {
        int steps = 16;
        double[] cond = new double[steps], uncond = new double[steps];
        for (int i = 0; i < steps; i++) { cond[i] = i == 0 ? 1.0 : 1.0 - 0.004 * i; uncond[i] = i == 0 ? 1.0 : 1.0 - 0.005 * i; }
        MagRatios ratios = new MagRatios(cond, uncond);
        for (double threshold : new double[] {0.02, 0.06, 0.2}) {
            for (Branch branch : Branch.values()) {
                double[] r = branch == Branch.COND ? cond : uncond;
                List<Integer> expected = new ArrayList<>();
                double ratio = 1, err = 0;
                int skipped = 0;
                for (int i = 0; i < steps; i++) {
                    int cnt = 2 * i + branch.ordinal();
                    boolean skip = false;
                    if (cnt >= (int) (2 * steps * 0.2)) {
                        ratio *= r[i];
                        skipped++;
                        err += Math.abs(1 - ratio);
                        if (err < threshold && skipped <= 2) skip = true;
                        else { ratio = 1; err = 0; skipped = 0; }
                    }
                    if (!skip) expected.add(i);
                }
                assertEquals(expected, computedSteps(new MagCache(threshold, 2, 0.2, ratios), steps, branch), threshold + " " + branch);
            }
        }
    }

    @Test
    void magRatiosInterpolateToOtherStepCountsAsNumpyRounds() {
        // np.round(np.arange(30) * 49 / 29): half to even
        int[] expected = new int[30];
        for (int i = 0; i < 30; i++) expected[i] = new java.math.BigDecimal(i * 49).divide(new java.math.BigDecimal(29), 0, java.math.RoundingMode.HALF_EVEN).intValue();
        for (int i = 0; i < 30; i++) assertEquals(expected[i], MagRatios.nearestIndex(i, 30, 50), "step " + i);
        assertEquals(49, MagRatios.nearestIndex(0, 1, 50));
        assertEquals(3, MagRatios.nearestIndex(3, 50, 50));
    }
}
