package dev.reel.pipeline;

import dev.reel.core.Backend;
import dev.reel.core.FileOps;
import dev.reel.core.MemoryLevel;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.WeightStreamer;
import dev.reel.models.loader.LoadOptions;
import dev.reel.models.loader.ModelIndex;
import dev.reel.models.loader.PipelineComponents;
import dev.reel.models.loader.SchedulerFolder;
import dev.reel.models.loader.TokenizerFolder;
import dev.reel.models.nn.Offloaded;
import dev.reel.models.t5.T5Tokenizer;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.models.t5.Umt5Config;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.models.wan.WanVaeTiling;
import dev.reel.pipeline.cache.CacheCalibration;
import dev.reel.pipeline.cache.CacheSpec;
import dev.reel.pipeline.cache.CacheStrategies;
import dev.reel.pipeline.cache.CacheStrategy;
import dev.reel.pipeline.cache.CalibrationRecorder;
import dev.reel.pipeline.stages.Decoding;
import dev.reel.pipeline.stages.Denoising;
import dev.reel.pipeline.stages.InputValidation;
import dev.reel.pipeline.stages.LatentPreparation;
import dev.reel.pipeline.stages.Output;
import dev.reel.pipeline.stages.PipelineState;
import dev.reel.pipeline.stages.RandomTextEmbeddings;
import dev.reel.pipeline.stages.Stage;
import dev.reel.pipeline.stages.TextEncoding;
import dev.reel.pipeline.stages.TimestepPreparation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * Reel's Java API for text-to-video: load a Wan2.1 Diffusers pipeline folder once, then {@link #generate} as
 * often as needed. Generations on one instance run one at a time.
 *
 * <pre>{@code
 * try (VideoGenerator gen = VideoGenerator.fromPretrained(Path.of("Wan2.1-T2V-1.3B-Diffusers"), GeneratorOptions.defaults())) {
 *     GenerationResult r = gen.generate(gen.requestBuilder("a red fox in the snow").output(Path.of("fox.mp4")).build());
 * }
 * }</pre>
 *
 * The stages are those of {@code DESIGN.md}: InputValidation → TextEncoding → TimestepPreparation → LatentPreparation →
 * Denoising → Decoding → Output, each timed.
 */
public final class VideoGenerator implements AutoCloseable {
    /** Files of the demo pipeline's configs (the tiny Wan2.1 of the reference fixtures), under {@code demo/}. */
    private static final List<String> DEMO_FILES = List.of("model_index.json", "transformer/config.json", "vae/config.json",
            "text_encoder/config.json", "scheduler/scheduler_config.json", "tokenizer/tokenizer.json", "tokenizer/tokenizer_config.json");

    private static final String TEXT_ENCODER = "text_encoder";

    private final PipelineComponents components;
    private final GeneratorOptions options;
    private final String description;
    private final List<Stage> stages;
    private final GenerationRequest.Builder defaults;
    private final Path ownedDir;
    private final VideoGeometry geometry;

    private VideoGenerator(PipelineComponents components, GeneratorOptions options, String description,
                           GenerationRequest.Builder defaults, Path ownedDir) {
        this.components = components;
        this.options = options;
        this.description = description;
        this.defaults = defaults;
        this.ownedDir = ownedDir;
        Backend backend = options.backend();
        WanTransformer3DModel transformer = components.get("transformer", WanTransformer3DModel.class);
        AutoencoderKLWan vae = components.get("vae", AutoencoderKLWan.class);
        this.geometry = VideoGeometry.of(vae.config(), transformer.config());
        MemoryLevel level = options.system().memoryLevel();
        if (level.streamsTransformer()) transformer.streamBlocks(WeightStreamer::of);
        this.stages = List.of(
                new InputValidation(geometry, options.limits()),
                new TextEncoding(components.get("tokenizer", TokenizerFolder.class), textEncoder(components, backend, level), transformer.dtype(), backend),
                new TimestepPreparation(components.get("scheduler", SchedulerFolder.class)),
                new LatentPreparation(geometry, backend),
                new Denoising(transformer),
                new Decoding(vae, Offloaded.of(vae, level.offloadsVae()), level.offloadsVae() ? WanVaeTiling.defaults() : null),
                new Output());
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
        PipelineComponents c = PipelineComponents.load(dir, loadOptions(options));
        return new VideoGenerator(c, options, "Wan2.1 text-to-video from " + dir.toAbsolutePath().normalize(), GenerationRequest.builder(""), null);
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
        PipelineComponents c = PipelineComponents.random(configDir, loadOptions(options), seed, substitutes,
                randomTextEmbeddings ? Set.of(TEXT_ENCODER) : Set.of());
        String what = "Wan2.1 text-to-video of " + configDir.toAbsolutePath().normalize() + " with seeded random weights (seed " + seed + ")"
                + (randomTextEmbeddings ? " and random text embeddings instead of the text encoder" : "");
        return new VideoGenerator(c, options, what, GenerationRequest.builder(""), null);
    }

    /**
     * A tiny Wan2.1 pipeline (2-layer transformer, 3-channel VAE, 2-layer UMT5) with seeded random weights, for
     * demos and smoke tests: it runs in seconds on a CPU and writes a valid video, whose content is noise.
     * Its request defaults are small (192×320, 17 frames, 10 steps).
     */
    public static VideoGenerator demo(GeneratorOptions options) {
        Path dir = extractDemo();
        try {
            PipelineComponents c = PipelineComponents.random(dir, loadOptions(options), 0L, Map.of(), Set.of());
            GenerationRequest.Builder defaults = GenerationRequest.builder("").size(192, 320).numFrames(17).numInferenceSteps(10)
                    .maxSequenceLength(64);
            return new VideoGenerator(c, options, "demo: a tiny Wan2.1 pipeline with seeded random weights (the video is noise, not the prompt)", defaults, dir);
        } catch (RuntimeException e) {
            FileOps.deleteTreeQuietly(dir);
            throw e;
        }
    }

    private static LoadOptions loadOptions(GeneratorOptions o) {
        return new LoadOptions(o.device(), o.dtype(), o.effectiveTextEncoderDtype(), o.effectiveVaeDtype(), o.system());
    }

    /**
     * Unpacks the demo pipeline's configs (Diffusers layout, no weights) into a new temporary folder, for tools
     * that describe it; the caller deletes it.
     */
    public static Path unpackDemoConfigs() { return extractDemo(); }

    /** The demo pipeline's geometry, read from its configs (nothing is built). */
    public static VideoGeometry demoGeometry() {
        Path dir = extractDemo();
        try {
            return VideoGeometry.read(dir);
        } finally {
            FileOps.deleteTreeQuietly(dir);
        }
    }

    private static Path extractDemo() {
        try {
            Path dir = Files.createTempDirectory("reel-demo-");
            for (String f : DEMO_FILES) {
                Path target = dir.resolve(f);
                Files.createDirectories(target.getParent());
                try (InputStream in = VideoGenerator.class.getResourceAsStream("demo/" + f)) {
                    if (in == null) throw new ReelException("demo pipeline resource demo/" + f + " is missing from the reel-pipeline jar");
                    Files.copy(in, target);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new ReelException("cannot unpack the demo pipeline: " + e.getMessage(), e);
        }
    }

    /** What was loaded, for logs and the CLI (says so when the weights are random). */
    public String description() { return description; }

    /** True if the weights are random (demo or {@link #randomWeights}). */
    public boolean randomWeights() { return components.randomWeights(); }

    /** The loaded components. */
    public PipelineComponents components() { return components; }

    /** The options the generator was loaded with. */
    public GeneratorOptions options() { return options; }

    /**
     * A request builder holding this model's defaults: Diffusers' Wan2.1 defaults for real checkpoints, small
     * sizes for the demo.
     */
    public GenerationRequest.Builder requestBuilder(String prompt) {
        return defaults.build().toBuilder().prompt(prompt);
    }

    /** Checks {@code request} without running anything; throws {@link InvalidRequestException} on a broken rule. */
    public void validate(GenerationRequest request) {
        InputValidation.check(request, geometry, options.limits());
        cacheStrategy(request);
    }

    /** How this model maps pixels to latents and tokens, and the sizes it covers. */
    public VideoGeometry geometry() { return geometry; }

    /** The request's step cache, built for this model (throws {@link InvalidRequestException} on a bad policy). */
    private CacheStrategy cacheStrategy(GenerationRequest request) {
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
     * for parity checks and tools. Tensors in the state belong to the caller's {@link Scope}.
     */
    public PipelineState run(GenerationRequest request, ProgressListener progress, CancellationToken cancellation, boolean recordStepLatents) {
        return run(request, progress, cancellation, recordStepLatents, null);
    }

    private synchronized PipelineState run(GenerationRequest request, ProgressListener progress, CancellationToken cancellation,
                                           boolean recordStepLatents, CacheStrategy cacheOverride) {
        PipelineState s = new PipelineState(request, progress, cancellation, recordStepLatents);
        s.cacheStrategy = cacheOverride != null ? cacheOverride : cacheStrategy(request);
        s.seed = request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong() >>> 1;
        Backend backend = options.backend();
        int total = request.numInferenceSteps();
        for (Stage stage : stages) {
            s.cancellation().throwIfCancelled(s.completedSteps, total);
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
        components.close();
        if (ownedDir != null) FileOps.deleteTreeQuietly(ownedDir);
    }
}
