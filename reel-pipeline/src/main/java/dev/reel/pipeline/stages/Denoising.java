package dev.reel.pipeline.stages;

import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.schedulers.NoiseScheduler;
import dev.reel.models.nn.DitHooks;
import dev.reel.models.wan.FrameTimesteps;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.pipeline.cache.Branch;
import dev.reel.pipeline.cache.CacheManager;
import dev.reel.pipeline.cache.Pass;
import dev.reel.pipeline.parallel.DenoisingPlan;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 5: the denoising loop. At each timestep the transformer predicts the flow velocity for the prompt and,
 * with guidance (g &gt; 1), for the negative prompt; the two combine as {@code uncond + g·(cond − uncond)} and the
 * scheduler turns the prediction into the next latents. On one device every pass goes through the request's step
 * cache ({@link CacheManager}), which may answer it from earlier passes; across ranks (CFG and sequence parallel)
 * the prediction is the {@link DenoisingPlan}'s, and step caches are refused at load. Between steps it reports
 * progress and honours cancellation. A model with two experts (Wan2.2 A14B) switches at the boundary
 * ({@link DenoisingExperts}), the low-noise expert with the request's second guidance scale.
 */
public final class Denoising implements Stage {
    private static final Logger log = LoggerFactory.getLogger(Denoising.class);
    private final DenoisingExperts experts;
    private final DenoisingPlan plan;

    /** On one device. */
    public Denoising(WanTransformer3DModel transformer) { this(DenoisingExperts.single(transformer), DenoisingPlan.single()); }

    /** As one rank of a parallel plan, with the model's expert(s). */
    public Denoising(DenoisingExperts experts, DenoisingPlan plan) {
        this.experts = experts;
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

    /** Runs the steps in runs of one expert each (Wan2.1: one run), its weights on the device for the run. */
    private void denoise(PipelineState state) {
        NoiseScheduler scheduler = state.scheduler;
        double[] timesteps = scheduler.timesteps();
        int total = timesteps.length, trained = scheduler.numTrainTimesteps();
        long start = System.nanoTime();
        try (CacheManager cache = new CacheManager(state.request().cache().toString(), state.cacheStrategy)) {
            for (int from = 0; from < total; ) {
                int expert = experts.at(timesteps[from], trained);
                int to = from;
                while (to < total && experts.at(timesteps[to], trained) == expert) to++;
                int first = from, end = to;
                float g = (float) (expert == DenoisingExperts.HIGH ? state.request().guidanceScale() : state.request().effectiveGuidanceScale2());
                experts.use(expert, () -> {
                    steps(state, cache, experts.model(expert), g, first, end, start);
                    return null;
                });
                from = to;
            }
            state.cacheStats = cache.stats();
        }
        if (state.firstFrameLatent != null) {   // as the reference: the picture's latent in frame 0 of what is decoded
            Tensor last = state.latents;
            state.latents = FirstFrameConditioning.withFirstFrame(last, state.firstFrameLatent);
            last.free();
        }
    }

    /** One prediction in fp32: per-frame timesteps when given (TI2V, no image states), else the image states if any. */
    private static Tensor predict(WanTransformer3DModel transformer, Tensor x, float[] t, FrameTimesteps frameT, Tensor text, Tensor image, DitHooks hooks) {
        return (frameT == null ? transformer.forward(x, t, text, image, hooks) : transformer.forward(x, frameT, text, hooks)).to(DType.F32);
    }

    /** Steps {@code [from, to)} with {@code transformer} and guidance {@code g}, from and into {@code state.latents}. */
    private void steps(PipelineState state, CacheManager cache, WanTransformer3DModel transformer, float g, int from, int to, long start) {
        NoiseScheduler scheduler = state.scheduler;
        double[] timesteps = scheduler.timesteps();
        int total = timesteps.length;
        boolean cfg = state.doClassifierFreeGuidance();
        Tensor first = state.firstFrameLatent;
        Tensor latents = state.latents;
        for (int i = from; i < to; i++) {
            long stepStart = System.nanoTime();
            plan.throwIfCancelled(state.cancellation(), i, total);
            Tensor next;
            try (Scope step = Scope.open()) {
                float[] t = {(float) timesteps[i]};
                // with a first frame (TI2V): its latent in frame 0, whose tokens run at t = 0 (expand_timesteps)
                Tensor x = first == null ? latents : FirstFrameConditioning.withFirstFrame(latents, first);
                FrameTimesteps frameT = first == null ? null
                        : FrameTimesteps.conditioned(1, x.size(2) / transformer.config().patchSize()[0], 1, t[0]);
                Tensor in = state.transformerInput(x);                                          // [1, C (+ 4 + z), T', h, w]
                Tensor image = state.imageEmbeds;
                Tensor velocity;                                                                 // [1, C, T', h, w] fp32
                if (plan.parallel()) {
                    velocity = plan.predict(transformer, in, t, state.promptEmbeds, cfg ? state.negativePromptEmbeds : null, image, g);
                } else {
                    velocity = cache.pass(new Pass(i, total, t[0], Branch.COND), x, hooks -> predict(transformer, in, t, frameT, state.promptEmbeds, image, hooks));
                    if (cfg) {
                        Tensor uncond = cache.pass(new Pass(i, total, t[0], Branch.UNCOND), x,
                                hooks -> predict(transformer, in, t, frameT, state.negativePromptEmbeds, image, hooks));
                        velocity = uncond.add(velocity.sub(uncond).mul(g));
                    }
                }
                next = step.keep(scheduler.step(velocity, i, latents));
            }
            latents.free();  // ours (LatentPreparation copies given latents); the scheduler keeps its own copies
            latents = next;
            state.latents = latents;
            state.completedSteps = i + 1;
            if (state.recordStepLatents()) state.stepLatents.add(latents.toFloatArray());
            latents.backend().synchronize();
            // each step's wall time to the device's synchronisation: the step loop's overhead is this less its passes
            log.info("step {}/{}: {} ms", i + 1, total, String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - stepStart) / 1e6));
            state.progress().onStep(i + 1, total, Duration.ofNanos(System.nanoTime() - start));
        }
    }
}
