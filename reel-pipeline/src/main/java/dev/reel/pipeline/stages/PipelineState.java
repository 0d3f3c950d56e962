package dev.reel.pipeline.stages;

import dev.reel.core.Tensor;
import dev.reel.models.schedulers.NoiseScheduler;
import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.Frames;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.StageTiming;
import dev.reel.pipeline.cache.CacheStats;
import dev.reel.pipeline.cache.CacheStrategy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the stages of one generation share. Each stage reads the fields earlier stages set and sets its own;
 * the field comments say which stage writes them.
 */
public final class PipelineState {
    private final GenerationRequest request;
    private final ProgressListener progress;
    private final CancellationToken cancellation;
    private final boolean recordStepLatents;

    /** LatentPreparation: the seed of the initial noise. */
    public long seed;
    /** TextEncoding: prompt embeddings {@code [1, L, D]}, zero past the real token length. */
    public Tensor promptEmbeds;
    /** TextEncoding: negative-prompt embeddings {@code [1, L, D]}; null when guidance is off (g ≤ 1). */
    public Tensor negativePromptEmbeds;
    /**
     * ImageEncoding (image-to-video with a CLIP branch): the image encoder's penultimate states {@code [n, N, D]}
     * of the first (and last) frame, in the transformer's dtype; null otherwise.
     */
    public Tensor imageEmbeds;
    /**
     * ImageConditioning (image-to-video): {@code [1, 4 + z, T', h, w]} fp32, the frame mask then the normalised VAE
     * latents of the pictures with zero frames between them, concatenated to the latents at every step; null otherwise.
     */
    public Tensor condition;
    /** TimestepPreparation: the noise scheduler, set up for the request's step count. */
    public NoiseScheduler scheduler;
    /** LatentPreparation, then Denoising: latents {@code [1, C, T', H/8, W/8]}. */
    public Tensor latents;
    /** FirstFrameConditioning: Wan2.2 TI2V's normalised first-frame latent {@code [1, C, 1, h, w]} fp32, or null. */
    public Tensor firstFrameLatent;
    /** The generator: this request's step cache (consulted by Denoising at every transformer pass). */
    public CacheStrategy cacheStrategy = CacheStrategy.NONE;
    /** Denoising: what the step cache ran and skipped. */
    public CacheStats cacheStats;
    /** Denoising: steps completed so far. */
    public int completedSteps;
    /** Denoising: host copies of the latents after each step, when recording was asked for (parity checks). */
    public final List<float[]> stepLatents = new ArrayList<>();
    /** Decoding: the video, {@code [T, H, W, 3]} in [0, 1]. */
    public Frames frames;
    /** Output: the file or folder written, or null. */
    public Path output;
    /** The generator: wall time of each stage run so far. */
    public final List<StageTiming> timings = new ArrayList<>();

    public PipelineState(GenerationRequest request, ProgressListener progress, CancellationToken cancellation, boolean recordStepLatents) {
        this.request = request;
        this.progress = progress == null ? ProgressListener.NONE : progress;
        this.cancellation = cancellation == null ? new CancellationToken() : cancellation;
        this.recordStepLatents = recordStepLatents;
    }

    public GenerationRequest request() { return request; }
    public ProgressListener progress() { return progress; }
    public CancellationToken cancellation() { return cancellation; }
    /** True if Denoising should keep a copy of the latents after every step. */
    public boolean recordStepLatents() { return recordStepLatents; }

    /** What the transformer reads at a step: the latents, with the image condition's channels after them when there is one. */
    public Tensor transformerInput(Tensor latents) {
        return condition == null ? latents : latents.backend().concat(1, latents, condition);
    }

    /** True when classifier-free guidance runs (g &gt; 1), i.e. the unconditional pass is needed. */
    public boolean doClassifierFreeGuidance() { return request.guidanceScale() > 1.0; }
}
