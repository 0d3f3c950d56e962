package dev.reel.pipeline;

import dev.reel.core.Tensor;
import dev.reel.models.image.RgbImage;
import dev.reel.pipeline.cache.CacheSpec;
import java.nio.file.Path;

/**
 * One text-to-video (or, with {@link #image}, image-to-video) request (the request level of Reel's configuration). Build it with {@link #builder(String)};
 * the defaults are those of Diffusers' Wan2.1 {@code WanPipeline}: 480×832, 81 frames, 50 steps, guidance 5.0,
 * the model's scheduler (UniPC), 16 fps, {@code max_sequence_length} 512. Rules are checked by
 * {@link VideoGenerator#validate} before any compute and broken ones throw {@link InvalidRequestException}.
 *
 * @param prompt            what the video shows; must not be blank
 * @param negativePrompt    what to steer away from with classifier-free guidance ("" = none, as in Diffusers)
 * @param height            frame height in pixels, a multiple of 16
 * @param width             frame width in pixels, a multiple of 16
 * @param numFrames         frames of video, as the model's {@link VideoGeometry} allows ({@code 4k+1} for Wan2.1: its VAE compresses time 4×, keeping the first frame)
 * @param numInferenceSteps denoising steps, ≥ 1
 * @param guidanceScale     classifier-free guidance weight g ≥ 0; g ≤ 1 skips the unconditional pass
 * @param seed              seed of the initial noise; null picks one (reported in the result)
 * @param fps               frame rate of the written video, ≥ 1
 * @param scheduler         sampler override; null uses the model's {@code scheduler/} config
 * @param flowShift         flow-matching shift override; null uses the scheduler config's
 * @param maxSequenceLength text tokens the encoder sees (prompt truncated, embeddings zero-padded to it)
 * @param output            where to write the result; null writes nothing
 * @param outputFormat      MP4 or a folder of PNG frames; null infers it from {@code output}'s extension
 * @param preset            libx264 preset (ultrafast … veryslow)
 * @param crf               libx264 constant rate factor, 0 (lossless) … 51
 * @param latents           initial latents {@code [1, 16, (numFrames−1)/4+1, height/8, width/8]} instead of seeded
 *                          noise (for reproducing a reference); usually null
 * @param cache             step-cache policy ({@link CacheSpec#NONE}: every transformer pass runs)
 * @param image             the first frame to animate (image-to-video models; Diffusers' {@code image}; Wan2.2 TI2V's
 *                          optional first frame), or null
 * @param lastImage         the last frame to reach (first-and-last-frame models; Diffusers' {@code last_image}), or null
 * @param guidanceScale2    the low-noise expert's guidance weight (Wan2.2 A14B's {@code guidance_scale_2}); null
 *                          uses {@code guidanceScale}; only for models with two experts
 */
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        int height,
        int width,
        int numFrames,
        int numInferenceSteps,
        double guidanceScale,
        Long seed,
        int fps,
        SchedulerType scheduler,
        Double flowShift,
        int maxSequenceLength,
        Path output,
        OutputFormat outputFormat,
        String preset,
        int crf,
        Tensor latents,
        CacheSpec cache,
        RgbImage image,
        RgbImage lastImage,
        Double guidanceScale2) {

    public GenerationRequest {
        if (cache == null) cache = CacheSpec.NONE;
    }

    public static final int DEFAULT_HEIGHT = 480;
    public static final int DEFAULT_WIDTH = 832;
    public static final int DEFAULT_FRAMES = 81;
    public static final int DEFAULT_STEPS = 50;
    public static final double DEFAULT_GUIDANCE = 5.0;
    public static final int DEFAULT_FPS = 16;
    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 512;
    public static final String DEFAULT_PRESET = "ultrafast";
    public static final int DEFAULT_CRF = 18;

    /**
     * A seed for a request that gave none, in [0, 2³¹): the one rule for every entry point (CLI, Java API,
     * server), short enough to type back in, and within any int-seeded reference generator.
     */
    public static long randomSeed() { return java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 31); }

    /** The output format actually used: {@link #outputFormat} if set, else implied by {@link #output}. */
    public OutputFormat effectiveOutputFormat() {
        return outputFormat != null ? outputFormat : OutputFormat.fromPath(output);
    }

    /** The guidance of the low-noise expert: {@link #guidanceScale2} when given, else {@link #guidanceScale} (as Diffusers). */
    public double effectiveGuidanceScale2() { return guidanceScale2 != null ? guidanceScale2 : guidanceScale; }

    /** A builder with every default set. */
    public static Builder builder(String prompt) { return new Builder(prompt); }

    /** A builder starting from this request's values. */
    public Builder toBuilder() {
        Builder b = new Builder(prompt);
        b.negativePrompt = negativePrompt; b.height = height; b.width = width; b.numFrames = numFrames;
        b.numInferenceSteps = numInferenceSteps; b.guidanceScale = guidanceScale; b.seed = seed; b.fps = fps;
        b.scheduler = scheduler; b.flowShift = flowShift; b.maxSequenceLength = maxSequenceLength; b.output = output;
        b.outputFormat = outputFormat; b.preset = preset; b.crf = crf; b.latents = latents; b.cache = cache;
        b.image = image; b.lastImage = lastImage; b.guidanceScale2 = guidanceScale2;
        return b;
    }

    /** Builds a {@link GenerationRequest}; unset fields keep the Wan2.1 defaults. */
    public static final class Builder {
        private String prompt;
        private String negativePrompt = "";
        private int height = DEFAULT_HEIGHT;
        private int width = DEFAULT_WIDTH;
        private int numFrames = DEFAULT_FRAMES;
        private int numInferenceSteps = DEFAULT_STEPS;
        private double guidanceScale = DEFAULT_GUIDANCE;
        private Long seed;
        private int fps = DEFAULT_FPS;
        private SchedulerType scheduler;
        private Double flowShift;
        private int maxSequenceLength = DEFAULT_MAX_SEQUENCE_LENGTH;
        private Path output;
        private OutputFormat outputFormat;
        private String preset = DEFAULT_PRESET;
        private int crf = DEFAULT_CRF;
        private Tensor latents;
        private CacheSpec cache = CacheSpec.NONE;
        private RgbImage image;
        private RgbImage lastImage;
        private Double guidanceScale2;

        private Builder(String prompt) { this.prompt = prompt; }

        public Builder prompt(String v) { prompt = v; return this; }
        public Builder negativePrompt(String v) { negativePrompt = v; return this; }
        public Builder height(int v) { height = v; return this; }
        public Builder width(int v) { width = v; return this; }
        /** Height and width at once. */
        public Builder size(int h, int w) { height = h; width = w; return this; }
        public Builder numFrames(int v) { numFrames = v; return this; }
        public Builder numInferenceSteps(int v) { numInferenceSteps = v; return this; }
        public Builder guidanceScale(double v) { guidanceScale = v; return this; }
        /** The low-noise expert's guidance (two-expert models); null: the same as {@link #guidanceScale}. */
        public Builder guidanceScale2(Double v) { guidanceScale2 = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder fps(int v) { fps = v; return this; }
        public Builder scheduler(SchedulerType v) { scheduler = v; return this; }
        public Builder flowShift(Double v) { flowShift = v; return this; }
        public Builder maxSequenceLength(int v) { maxSequenceLength = v; return this; }
        public Builder output(Path v) { output = v; return this; }
        public Builder outputFormat(OutputFormat v) { outputFormat = v; return this; }
        public Builder preset(String v) { preset = v; return this; }
        public Builder crf(int v) { crf = v; return this; }
        public Builder latents(Tensor v) { latents = v; return this; }
        public Builder cache(CacheSpec v) { cache = v; return this; }
        /** The first frame (image-to-video). */
        public Builder image(RgbImage v) { image = v; return this; }
        /** The last frame (first-and-last-frame-to-video). */
        public Builder lastImage(RgbImage v) { lastImage = v; return this; }
        /** The cache policy as text ({@code teacache:0.08}); throws {@link InvalidRequestException} if malformed. */
        public Builder cache(String v) { cache = CacheSpec.parse(v); return this; }

        public GenerationRequest build() {
            return new GenerationRequest(prompt, negativePrompt == null ? "" : negativePrompt, height, width, numFrames,
                    numInferenceSteps, guidanceScale, seed, fps, scheduler, flowShift, maxSequenceLength, output,
                    outputFormat, preset, crf, latents, cache, image, lastImage, guidanceScale2);
        }
    }
}
