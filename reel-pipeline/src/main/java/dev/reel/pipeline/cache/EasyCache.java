package dev.reel.pipeline.cache;

import dev.reel.core.Tensor;
import java.util.function.Supplier;

/**
 * EasyCache (Zhou et al., "Less is Enough: Training-Free Video Diffusion Acceleration via Runtime-Adaptive
 * Caching"), as its reference for Wan2.1 ({@code EasyCache4Wan2.1/easycache_generate.py}) runs it: no calibration.
 * The conditional pass decides for both passes of its step. After each computed conditional pass the
 * transformation rate {@code k = mean|Δoutput| / mean|Δinput|} (since the previous computed pass) is updated; on
 * later steps the predicted relative change {@code k · mean|Δinput| / mean|last output|} is accumulated, and while
 * the sum stays under the threshold both passes return their input plus the change the model made last time
 * (output − input). The first {@code ret_steps} steps (10) and the last step are always computed. A threshold of
 * 0 computes every pass.
 */
final class EasyCache implements CacheStrategy {
    private final double threshold;
    private final int retSteps;
    private double accumulated;
    private Double k;
    private boolean computeStep = true;

    EasyCache(double threshold, int retSteps) {
        this.threshold = threshold;
        this.retSteps = retSteps;
    }

    @Override public Tensor forward(Pass pass, Tensor latents, Supplier<Tensor> compute, CacheBuffers buffers) {
        Branch br = pass.branch();
        if (br == Branch.COND) {
            Tensor prevInput = buffers.get(br, "input");
            Tensor prevOutput = buffers.get(br, "output");
            if (pass.step() < retSteps || pass.step() >= pass.steps() - 1) {
                computeStep = true;
                accumulated = 0;
            } else if (prevInput != null && prevOutput != null && k != null) {
                accumulated += k * CacheMath.meanAbsDiff(latents, prevInput) / CacheMath.meanAbs(prevOutput);
                computeStep = !(accumulated < threshold);
                if (computeStep) accumulated = 0;
            } else {
                computeStep = true;
            }
            buffers.put(br, "input", CacheBuffers.copy(latents));
        }
        Tensor change = buffers.get(br, "change");
        if (!computeStep && change != null) return latents.add(change);

        Tensor out = compute.get();
        if (br == Branch.COND) {
            Tensor prevOutput = buffers.get(br, "output");
            Tensor input = buffers.get(br, "input");
            Tensor computedInput = buffers.get(br, "computed_input");
            if (prevOutput != null && computedInput != null) {
                k = CacheMath.meanAbsDiff(out, prevOutput) / CacheMath.meanAbsDiff(input, computedInput);
            }
            buffers.put(br, "computed_input", CacheBuffers.copy(input));
            buffers.put(br, "output", CacheBuffers.copy(out));
        }
        buffers.put(br, "change", out.sub(latents));
        return out;
    }
}
