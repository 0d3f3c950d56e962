package dev.reel.pipeline.stages;

import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.schedulers.NoiseScheduler;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.pipeline.cache.Branch;
import dev.reel.pipeline.cache.CacheManager;
import dev.reel.pipeline.cache.Pass;
import dev.reel.pipeline.parallel.DenoisingPlan;
import java.time.Duration;

/**
 * Stage 5: the denoising loop. At each timestep the transformer predicts the flow velocity for the prompt and,
 * with guidance (g &gt; 1), for the negative prompt; the two combine as {@code uncond + g·(cond − uncond)} and the
 * scheduler turns the prediction into the next latents. On one device every pass goes through the request's step
 * cache ({@link CacheManager}), which may answer it from earlier passes; across ranks (CFG and sequence parallel)
 * the prediction is the {@link DenoisingPlan}'s, and step caches are refused at load. Between steps it reports
 * progress and honours cancellation.
 */
public final class Denoising implements Stage {
    private final WanTransformer3DModel transformer;
    private final DenoisingPlan plan;

    /** On one device. */
    public Denoising(WanTransformer3DModel transformer) { this(transformer, DenoisingPlan.single()); }

    /** As one rank of a parallel plan. */
    public Denoising(WanTransformer3DModel transformer, DenoisingPlan plan) {
        this.transformer = transformer;
        this.plan = plan;
    }

    @Override public String name() { return "Denoising"; }

    @Override public void run(PipelineState state) {
        try {
            denoise(state);
        } finally {
            state.scheduler.reset();   // its history and last sample live outside every scope: freed however the loop ended
        }
    }

    private void denoise(PipelineState state) {
        NoiseScheduler scheduler = state.scheduler;
        double[] timesteps = scheduler.timesteps();
        int total = timesteps.length;
        float g = (float) state.request().guidanceScale();
        boolean cfg = state.doClassifierFreeGuidance();
        long start = System.nanoTime();
        Tensor latents = state.latents;
        try (CacheManager cache = new CacheManager(state.request().cache().toString(), state.cacheStrategy)) {
            for (int i = 0; i < total; i++) {
                plan.throwIfCancelled(state.cancellation(), i, total);
                Tensor next;
                try (Scope step = Scope.open()) {
                    float[] t = {(float) timesteps[i]};
                    Tensor x = latents;
                    Tensor in = state.transformerInput(x);                                          // [1, C (+ 4 + z), T', h, w]
                    Tensor image = state.imageEmbeds;
                    Tensor velocity;                                                                 // [1, C, T', h, w] fp32
                    if (plan.parallel()) {
                        velocity = plan.predict(transformer, in, t, state.promptEmbeds, cfg ? state.negativePromptEmbeds : null, image, g);
                    } else {
                        velocity = cache.pass(new Pass(i, total, t[0], Branch.COND), x,
                                hooks -> transformer.forward(in, t, state.promptEmbeds, image, hooks).to(DType.F32));
                        if (cfg) {
                            Tensor uncond = cache.pass(new Pass(i, total, t[0], Branch.UNCOND), x,
                                    hooks -> transformer.forward(in, t, state.negativePromptEmbeds, image, hooks).to(DType.F32));
                            velocity = uncond.add(velocity.sub(uncond).mul(g));
                        }
                    }
                    next = step.keep(scheduler.step(velocity, i, latents));
                }
                latents.free();  // ours (LatentPreparation copies given latents); the scheduler keeps its own copies
                latents = next;
                state.completedSteps = i + 1;
                if (state.recordStepLatents()) state.stepLatents.add(latents.toFloatArray());
                latents.backend().synchronize();
                state.progress().onStep(i + 1, total, Duration.ofNanos(System.nanoTime() - start));
            }
            state.cacheStats = cache.stats();
        }
        state.latents = latents;
    }
}
