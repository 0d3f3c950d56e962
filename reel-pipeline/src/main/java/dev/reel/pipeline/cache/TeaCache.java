package dev.reel.pipeline.cache;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * TeaCache (Liu et al., "Timestep Embedding Tells: It's Time to Cache for Video Diffusion Model"), as its
 * reference for Wan2.1 ({@code TeaCache4Wan2.1/teacache_generate.py}) runs it. Per branch, the measured input is
 * the timestep embedding {@code e} ({@code temb}), or its projection {@code e0} in the {@code use_ret_steps} mode;
 * each pass adds {@code poly(mean|m − m_prev| / mean|m_prev|)} to an accumulator, and while the sum stays under
 * the threshold the blocks are skipped and the residual they added last time (block-stack output − input) is
 * added instead; once it reaches the threshold the pass is computed and the sum restarts. The first
 * {@code ret_steps} steps (1, or 5 with {@code use_ret_steps}) are always computed, and without
 * {@code use_ret_steps} the last step too. A threshold of 0 computes every pass (the reference would still skip
 * where the fitted polynomial dips below 0).
 */
final class TeaCache implements CacheStrategy {
    private final double threshold;
    private final boolean useRetSteps;
    private final double[] coefficients;
    private final Map<Branch, double[]> accumulated = new EnumMap<>(Branch.class);

    /**
     * @param coefficients the rescaling polynomial, highest order first
     */
    TeaCache(double threshold, boolean useRetSteps, double[] coefficients) {
        this.threshold = threshold;
        this.useRetSteps = useRetSteps;
        this.coefficients = coefficients.clone();
    }

    /** Steps always computed at the start. */
    int retSteps() { return useRetSteps ? 5 : 1; }

    /** The first step always computed at the end. */
    int cutoffStep(int steps) { return useRetSteps ? steps : steps - 1; }

    @Override public Tensor blocks(Pass pass, Tensor x, Tensor temb, Tensor timestepProj, UnaryOperator<Tensor> stack, CacheBuffers buffers) {
        Branch br = pass.branch();
        Tensor modulated = useRetSteps ? timestepProj : temb;
        Tensor previous = buffers.get(br, "modulated");
        double[] acc = accumulated.computeIfAbsent(br, k -> new double[1]);
        Tensor residual = buffers.get(br, "residual");
        boolean compute;
        if (pass.step() < retSteps() || pass.step() >= cutoffStep(pass.steps()) || previous == null || residual == null) {
            compute = true;
            acc[0] = 0;
        } else {
            acc[0] += CacheMath.poly(coefficients, CacheMath.relL1(modulated, previous));
            compute = !(threshold > 0 && acc[0] < threshold);
            if (compute) acc[0] = 0;
        }
        buffers.put(br, "modulated", CacheBuffers.copy(modulated).to(DType.F32));
        if (!compute) return x.add(residual);
        Tensor out = stack.apply(x);
        buffers.put(br, "residual", out.sub(x));
        return out;
    }
}
