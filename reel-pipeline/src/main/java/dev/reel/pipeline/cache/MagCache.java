package dev.reel.pipeline.cache;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import dev.reel.core.Tensor;

/**
 * MagCache (Ma et al., "MagCache: Fast Video Generation with Magnitude-Aware Cache"), as its reference for Wan2.1
 * ({@code MagCache4Wan2.1/magcache_generate.py}) runs it. The magnitude ratio of consecutive block-stack residuals,
 * {@code mean ‖r_t‖ / ‖r_{t−1}‖}, is calibrated once per model; per branch, past the first
 * {@code retention × 2·steps} interleaved passes, the ratios since the last computed pass are multiplied up, the
 * error {@code |1 − product|} is summed, and while the sum stays under the threshold and at most {@code K} passes
 * in a row were skipped, the blocks are skipped and the last residual is added. A threshold of 0 computes every
 * pass.
 */
final class MagCache implements CacheStrategy {
    private final double threshold;
    private final int maxSkips;
    private final double retention;
    private final MagRatios ratios;
    private final Map<Branch, State> states = new EnumMap<>(Branch.class);

    private static final class State {
        double ratio = 1.0, error;
        int skipped;

        void reset() { ratio = 1.0; error = 0; skipped = 0; }
    }

    /**
     * @param maxSkips  K, the most passes in a row a branch may skip
     * @param retention the fraction of the passes always computed at the start
     */
    MagCache(double threshold, int maxSkips, double retention, MagRatios ratios) {
        this.threshold = threshold;
        this.maxSkips = maxSkips;
        this.retention = retention;
        this.ratios = ratios;
    }

    @Override public Tensor blocks(Pass pass, Tensor x, Tensor temb, Tensor timestepProj, UnaryOperator<Tensor> stack, CacheBuffers buffers) {
        Branch br = pass.branch();
        State s = states.computeIfAbsent(br, k -> new State());
        Tensor residual = buffers.get(br, "residual");
        boolean skip = false;
        if (pass.interleavedIndex() >= (int) (2 * pass.steps() * retention)) {
            s.ratio *= ratios.at(pass.step(), pass.steps(), br);
            s.skipped++;
            s.error += Math.abs(1 - s.ratio);
            if (s.error < threshold && s.skipped <= maxSkips && residual != null) {
                skip = true;
            } else {
                s.reset();
            }
        }
        if (skip) return x.add(residual);
        Tensor out = stack.apply(x);
        buffers.put(br, "residual", out.sub(x));
        return out;
    }
}
