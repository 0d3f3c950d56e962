package dev.reel.pipeline;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.FileOps;
import dev.reel.core.MemoryLevel;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.dist.ParallelPlan;
import dev.reel.core.dist.RankContext;
import dev.reel.core.dist.RankThreads;
import dev.reel.core.WeightStreamer;
import dev.reel.models.lora.LoraAdapters;
import dev.reel.models.lora.LoraSpec;
import dev.reel.models.loader.ModelIndex;
import dev.reel.models.loader.PipelineComponents;
import dev.reel.models.nn.Offloaded;
import dev.reel.models.t5.T5Tokenizer;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.models.t5.Umt5Config;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.pipeline.stages.ConditionBroadcast;
import dev.reel.pipeline.cache.CacheCalibration;
import dev.reel.pipeline.cache.CacheSpec;
import dev.reel.pipeline.cache.CacheStrategies;
import dev.reel.pipeline.cache.CacheStrategy;
import dev.reel.pipeline.cache.CalibrationRecorder;
import dev.reel.pipeline.media.FfmpegNatives;
import dev.reel.pipeline.stages.DenoisingExperts;
import dev.reel.pipeline.stages.InputValidation;
import dev.reel.pipeline.stages.PipelineState;
import dev.reel.pipeline.stages.RandomTextEmbeddings;
import dev.reel.pipeline.stages.Stage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reel's Java API for text- and image-to-video: load a Wan2.1 Diffusers pipeline folder once, then {@link #generate}
 * as often as needed. Generations on one instance run one at a time.
 *
 * <pre>{@code
 * try (VideoGenerator gen = VideoGenerator.fromPretrained(Path.of("Wan2.1-T2V-1.3B-Diffusers"), GeneratorOptions.defaults())) {
 *     GenerationResult r = gen.generate(gen.requestBuilder("a red fox in the snow").output(Path.of("fox.mp4")).build());
 * }
 * }</pre>
 *
 * The stages are those of {@code DESIGN.md}: InputValidation → TextEncoding → TimestepPreparation → LatentPreparation →
 * Denoising → Decoding → Output, each timed; image-to-video models ({@link ModelTask}) add ImageEncoding (CLIP, when
 * the transformer has an image branch) after TextEncoding and ImageConditioning (the VAE-encoded frames and their
 * mask) after LatentPreparation.
 */
public final class VideoGenerator implements AutoCloseable {
    static final String TEXT_ENCODER = "text_encoder";
    /** The slots of the denoising transformers: Wan2.2 A14B's high- and low-noise experts, or the one of other models. */
    private static final List<String> TRANSFORMERS = List.of("transformer", "transformer_2");

    private final PipelineComponents components;
    /** Each rank's components: rank 0's are {@link #components}; ranks on the same device share them. */
    private final List<PipelineComponents> rankComponents;
    private final GeneratorOptions options;
    private final String description;
    private final ModelProfile profile;
    private final Path ownedDir;
    private final Function<T5Tokenizer.Encoding, Tensor> textEncoder;
    /**
     * Where rank 0's VAE lives between its encode (image-to-video) and decode: made once, since taking charge moves the
     * weights to the host at memory levels ≥ 2 (a second one would find them there and run the VAE on the CPU).
     */
    private final Offloaded vaeResidency;
    /** One thread per rank, when the plan is parallel. */
    private final RankThreads rankThreads;
    /** The ranks' groups; made on first use and again after a failure aborted them. */
    private List<RankContext> ranks;
    private final VideoGeometry geometry;
    /** Each distinct rank components' denoising expert(s), made once: parking an expert moves its weights. */
    private final Map<PipelineComponents, DenoisingExperts> experts = new java.util.IdentityHashMap<>();
    private final RankStages rankStages;

    private VideoGenerator(List<PipelineComponents> rankComponents, GeneratorOptions options, String description,
                           ModelProfile profile, Path ownedDir) {
        this.components = rankComponents.getFirst();
        this.rankComponents = List.copyOf(rankComponents);
        this.options = options;
        this.description = description;
        this.profile = profile;
        this.ownedDir = ownedDir;
        ParallelPlan plan = options.parallel();
        try {
            WanTransformer3DModel transformer = components.get("transformer", WanTransformer3DModel.class);
            this.geometry = VideoGeometry.of(components.get("vae", AutoencoderKLWan.class).config(), transformer.config());
            plan.checkHeads(transformer.config().numAttentionHeads());
            MemoryLevel level = options.system().memoryLevel();
            for (PipelineComponents c : distinctComponents()) {
                if (level.streamsTransformer()) {
                    for (String slot : TRANSFORMERS) if (c.has(slot)) c.get(slot, WanTransformer3DModel.class).streamBlocks(WeightStreamer::of);
                }
                experts.put(c, experts(c, !level.streamsTransformer()));
            }
            this.textEncoder = textEncoder(components, options.backend(), level);
            this.vaeResidency = Offloaded.of(components.get("vae", AutoencoderKLWan.class), level.offloadsVae());
            this.rankStages = new RankStages(profile, options, geometry, vaeResidency, textEncoder, experts);
        } catch (RuntimeException e) {
            closeComponents();   // a refused plan must not keep the weights it loaded (device memory)
            throw e;
        }
        this.rankThreads = plan.isParallel() ? new RankThreads(plan.size()) : null;
    }

    /** Each distinct rank's components once, rank 0's first (ranks on one device share theirs). */
    private Set<PipelineComponents> distinctComponents() { return new LinkedHashSet<>(rankComponents); }

    /** Closes each distinct rank's components once (ranks on one device share them). */
    private void closeComponents() {
        distinctComponents().forEach(PipelineComponents::close);
    }

    /**
     * Runs {@code body} with the transformer of {@code slot} ({@code transformer}, or {@code transformer_2} of a
     * Wan2.2 A14B pair) on its device: an expert parked in host memory is uploaded for the call, as Denoising does
     * for its steps. For tools that run a forward of their own (parity checks).
     */
    public <T> T withTransformer(String slot, java.util.function.Function<WanTransformer3DModel, T> body) {
        WanTransformer3DModel m = components.get(slot, WanTransformer3DModel.class);
        DenoisingExperts e = experts.get(components);
        return e.use(slot.equals("transformer_2") ? DenoisingExperts.LOW : DenoisingExperts.HIGH, () -> body.apply(m));
    }

    /**
     * The denoising expert(s) of {@code c}: two when {@code model_index.json} has a {@code boundary_ratio} (Wan2.2
     * A14B), the inactive one parked in host memory when {@code park} (its blocks are not streamed).
     */
    private static DenoisingExperts experts(PipelineComponents c, boolean park) {
        WanTransformer3DModel high = c.get("transformer", WanTransformer3DModel.class);
        Double boundary = c.index().boundaryRatio();
        if (boundary == null) return DenoisingExperts.single(high);
        if (!c.has("transformer_2")) {
            throw new ReelException(c.index().dir() + ": model_index.json has boundary_ratio " + boundary + " but no transformer_2 (the low-noise expert)");
        }
        return DenoisingExperts.two(high, c.get("transformer_2", WanTransformer3DModel.class), boundary, park);
    }

    /**
     * The UMT5 encoder (in host memory between encodings from memory level 1), or the random stand-in when the
     * pipeline was built without one.
     */
    private static Function<T5Tokenizer.Encoding, Tensor> textEncoder(PipelineComponents c, Backend backend, MemoryLevel level) {
        if (c.has(TEXT_ENCODER)) {
            UMT5EncoderModel encoder = c.get(TEXT_ENCODER, UMT5EncoderModel.class);
            Offloaded residency = Offloaded.of(encoder, level.offloadsTextEncoder());
            return tokens -> residency.use(() -> encoder.forward(tokens));
        }
        ModelIndex index = c.index();
        int dModel = Umt5Config.read(index.folder(index.component(TEXT_ENCODER))).dModel();
        return new RandomTextEmbeddings(dModel, 0L, backend);
    }

    /** Loads the Diffusers pipeline folder {@code dir} ({@code model_index.json} and one folder per component). */
    public static VideoGenerator fromPretrained(Path dir, GeneratorOptions options) {
        ModelProfile profile = ModelProfile.read(dir);
        List<PipelineComponents> c = RankLoading.load(options, (o, omit) -> PipelineComponents.load(dir, o, omit));
        return new VideoGenerator(c, options, profile.task().describe() + " from " + dir.toAbsolutePath().normalize(), profile, null);
    }

    /**
     * A pipeline of the architecture in {@code configDir} (a Diffusers folder of configs, e.g. Wan2.1-T2V-1.3B's)
     * with seeded random weights: real sizes and costs, meaningless pictures. {@code substitutes} supplies
     * component folders the configs lack (typically {@code tokenizer}). With {@code randomTextEmbeddings} the
     * text encoder is not built and seeded random embeddings of its width stand in for its output
     * ({@link RandomTextEmbeddings}): for timing the rest at real size without UMT5-XXL's memory.
     */
    public static VideoGenerator randomWeights(Path configDir, GeneratorOptions options, long seed, Map<String, Path> substitutes,
                                               boolean randomTextEmbeddings) {
        ModelProfile profile = ModelProfile.read(configDir);
        List<PipelineComponents> c = RankLoading.load(options, (o, omit) -> PipelineComponents.random(configDir, o, seed, substitutes,
                randomTextEmbeddings ? RankLoading.union(omit, Set.of(TEXT_ENCODER)) : omit));
        String what = profile.task().describe() + " of " + configDir.toAbsolutePath().normalize() + " with seeded random weights (seed " + seed + ")"
                + (randomTextEmbeddings ? " and random text embeddings instead of the text encoder" : "");
        return new VideoGenerator(c, options, what, profile, null);
    }

    /**
     * A tiny Wan2.1 pipeline (2-layer transformer, 3-channel VAE, 2-layer UMT5) with seeded random weights, for
     * demos and smoke tests: it runs in seconds on a CPU and writes a valid video, whose content is noise.
     * Its request defaults are small (192×320, 17 frames, 10 steps: its {@value ModelProfile#DEFAULTS_FILE}).
     */
    public static VideoGenerator demo(GeneratorOptions options) {
        Path dir = DemoConfigs.unpack();
        try {
            ModelProfile profile = ModelProfile.read(dir);
            List<PipelineComponents> c = RankLoading.load(options, (o, omit) -> PipelineComponents.random(dir, o, 0L, Map.of(), omit));
            return new VideoGenerator(c, options, "demo: a tiny Wan2.1 pipeline with seeded random weights", profile, dir);
        } catch (RuntimeException e) {
            FileOps.deleteTreeQuietly(dir);
            throw e;
        }
    }

    /** What was loaded, for logs and the CLI (says so when the weights are random). */
    public String description() { return description; }

    /** True if the weights are random (demo or {@link #randomWeights}). */
    public boolean randomWeights() { return components.randomWeights(); }

    /**
     * Applies LoRA files to the transformer, in order: on the fly, or merged into its weights when {@code merge}
     * ({@link LoraAdapters#apply}); a file that does not fit the model is a {@link dev.reel.models.lora.LoraException}
     * naming the key. Under a parallel plan every device's copy of the transformer gets them (ranks on one device
     * share theirs). Call before generating. Returns rank 0's adapters.
     */
    public List<LoraAdapters> applyLoras(List<LoraSpec> specs, boolean merge) {
        List<LoraAdapters> first = null;
        for (PipelineComponents c : distinctComponents()) {
            List<LoraAdapters> a = LoraAdapters.apply(c.get("transformer", WanTransformer3DModel.class), specs, merge);
            if (first == null) first = a;
        }
        return first;
    }

    /** The loaded components. */
    public PipelineComponents components() { return components; }

    /** The options the generator was loaded with. */
    public GeneratorOptions options() { return options; }

    /**
     * A request builder holding this model's defaults ({@link ModelProfile}): Diffusers' Wan2.1 defaults unless
     * the folder recommends others, small sizes for the demo.
     */
    public GenerationRequest.Builder requestBuilder(String prompt) { return profile.requestBuilder(prompt); }

    /** The model's request defaults and shape rules, as read from its configs. */
    public ModelProfile profile() { return profile; }

    /** Checks {@code request} without running anything; throws {@link InvalidRequestException} on a broken rule. */
    public void validate(GenerationRequest request) {
        InputValidation.check(request, profile, options.limits());
        checkParallelImages(request);
        cacheStrategy(request);
    }

    /** How this model maps pixels to latents and tokens, and the sizes it covers. */
    public VideoGeometry geometry() { return geometry; }

    /** The request's step cache, built for this model (throws {@link InvalidRequestException} on a bad policy). */
    private CacheStrategy cacheStrategy(GenerationRequest request) {
        if (experts.get(components).isPair() && !request.cache().equals(CacheSpec.NONE)) {
            throw new InvalidRequestException("cache", request.cache().toString(), "step caches are not calibrated for two-expert models (Wan2.2 A14B) yet; use none");
        }
        if (request.image() != null && profile.task().firstFrameImage() && !request.cache().equals(CacheSpec.NONE)) {
            throw new InvalidRequestException("cache", request.cache().toString(), "step caches do not run with a Wan2.2 TI2V first frame (per-frame timesteps) yet; use none");
        }
        return CacheStrategies.create(request.cache(), components.get("transformer", WanTransformer3DModel.class).config());
    }

    /**
     * Runs {@code request} uncached while measuring what TeaCache and MagCache calibrate from (the relative L1
     * distances of the timestep embeddings and outputs, the residual magnitude ratios) and fits them, for
     * {@code reel calibrate}. No output is written.
     */
    public CacheCalibration calibrate(GenerationRequest request, ProgressListener progress) {
        CalibrationRecorder recorder = new CalibrationRecorder();
        try (Scope scope = Scope.open()) {
            run(request.toBuilder().output(null).cache(CacheSpec.NONE).build(), progress, new CancellationToken(), false, recorder);
        }
        return recorder.fit(description, request.numInferenceSteps());
    }

    /** Runs one generation. */
    public GenerationResult generate(GenerationRequest request) {
        return generate(request, ProgressListener.NONE, new CancellationToken());
    }

    /**
     * Runs one generation, reporting each denoising step to {@code progress} and stopping with
     * {@link GenerationCancelledException} between steps once {@code cancellation} is cancelled. The request is
     * validated before any compute ({@link InvalidRequestException}); no output is written unless it completes.
     */
    public GenerationResult generate(GenerationRequest request, ProgressListener progress, CancellationToken cancellation) {
        try (Scope scope = Scope.open()) {
            PipelineState s = run(request, progress, cancellation, false);
            return new GenerationResult(s.frames, s.output, s.seed, s.timings, s.cacheStats);
        }
    }

    /**
     * Runs every stage and returns the whole state (embeddings, latents, optionally the latents after each step),
     * for parity checks and tools. Tensors in the state belong to the caller's {@link Scope}. Under a parallel plan
     * every rank runs on its own thread and the state returned is rank 0's: its embeddings are not kept, its final
     * latents are a host (CPU) copy, frames, step latents and timings are as usual; a failing rank aborts the others
     * and its error is thrown.
     */
    public PipelineState run(GenerationRequest request, ProgressListener progress, CancellationToken cancellation, boolean recordStepLatents) {
        return run(request, progress, cancellation, recordStepLatents, null);
    }

    private synchronized PipelineState run(GenerationRequest request, ProgressListener progress, CancellationToken cancellation,
                                           boolean recordStepLatents, CacheStrategy cacheOverride) {
        checkParallelImages(request);
        if (request.effectiveOutputFormat() == OutputFormat.MP4) FfmpegNatives.preloadInBackground();
        long seed = request.seed() != null ? request.seed() : GenerationRequest.randomSeed();
        CacheStrategy cache = cacheOverride != null ? cacheOverride : cacheStrategy(request);
        if (rankThreads == null) return runRank(RankContext.single(options.device()), request, seed, cache, progress, cancellation, recordStepLatents);
        if (!request.cache().equals(CacheSpec.NONE) || cacheOverride != null) {
            throw new InvalidRequestException("cache", request.cache().toString(), "step caches do not run under a parallel plan (--parallel " + options.parallel() + ") yet; use --cache none");
        }
        if (ranks == null) ranks = RankContext.create(options.parallel(), options.devices());
        try {
            return rankThreads.run(ranks, rc -> {
                try (Scope scope = Scope.open()) {
                    PipelineState s = rc.isLeader()
                            ? runRank(rc, request, seed, cache, progress, cancellation, recordStepLatents)
                            : runRank(rc, request, seed, cache, ProgressListener.NONE, cancellation, false);
                    // the ranks' device memory is freed here; the leader's final latents stay readable on the host
                    s.latents = s.latents == null ? null : Scope.detach(Backends.cpu().copyFrom(s.latents));
                    s.promptEmbeds = null;
                    s.negativePromptEmbeds = null;
                    return s;
                }
            }).getFirst();
        } catch (RuntimeException e) {
            // a failed rank aborted the groups: make new ones for the next generation
            for (RankContext rc : ranks) rc.close();
            ranks = null;
            throw e;
        }
    }

    /**
     * Wan2.1/2.2 image-to-video runs under a parallel plan (rank 0 encodes the pictures, {@link ConditionBroadcast}
     * shares them); Wan2.2 TI2V's first frame does not yet: its per-frame timesteps are not split over SP ranks.
     */
    private void checkParallelImages(GenerationRequest request) {
        if (request.image() != null && profile.task().firstFrameImage() && options.parallel().isParallel()) {
            throw new InvalidRequestException("image", request.image(), "a Wan2.2 TI2V first frame does not run under a parallel plan (--parallel "
                    + options.parallel() + ") yet; run it on one device");
        }
    }

    /** One rank's run of its stages; only the leader checks the token between stages (the others follow its abort). */
    private PipelineState runRank(RankContext rc, GenerationRequest request, long seed, CacheStrategy cache, ProgressListener progress,
                                  CancellationToken cancellation, boolean recordStepLatents) {
        PipelineState s = new PipelineState(request, progress, cancellation, recordStepLatents);
        s.seed = seed;
        s.cacheStrategy = cache;
        Backend backend = Backends.of(rc.device());
        int total = request.numInferenceSteps();
        for (Stage stage : rankStages.of(rc, rankComponents.get(rc.rank()))) {
            if (rc.isLeader()) s.cancellation().throwIfCancelled(s.completedSteps, total);
            s.progress().onStage(stage.name());
            long t0 = System.nanoTime();
            stage.run(s);
            backend.synchronize();
            s.timings.add(new StageTiming(stage.name(), Duration.ofNanos(System.nanoTime() - t0)));
        }
        return s;
    }

    /** Frees the components' resources (and the demo's unpacked configs). */
    @Override public void close() {
        if (rankThreads != null) rankThreads.close();
        if (ranks != null) for (RankContext rc : ranks) rc.close();
        closeComponents();
        if (ownedDir != null) FileOps.deleteTreeQuietly(ownedDir);
    }
}
