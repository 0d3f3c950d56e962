package dev.reel.server.engine;

import dev.reel.pipeline.DemoConfigs;
import dev.reel.core.Device;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ModelProfile;
import dev.reel.pipeline.cache.CacheSpec;
import dev.reel.pipeline.cache.CacheStrategies;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.models.lora.LoraSpec;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformerConfig;
import java.util.List;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.VideoGeometry;
import dev.reel.pipeline.stages.InputValidation;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import dev.reel.models.image.RgbImage;
import dev.reel.pipeline.InputImages;
import java.util.function.Function;

/** A {@link VideoModel} backed by Reel's pipeline ({@link VideoGenerator}): a Diffusers folder or the demo model. */
public final class PipelineModel implements VideoModel {
    /** The id of {@link #demo}. */
    public static final String DEMO_ID = "reel-demo";

    /** Pipeline request fields → the API fields clients send. */
    private static final Map<String, String> API_FIELDS = Map.ofEntries(
            Map.entry("prompt", "prompt"),
            Map.entry("negativePrompt", "nvext.negative_prompt"),
            Map.entry("height", "size"),
            Map.entry("width", "size"),
            Map.entry("numFrames", "nvext.num_frames"),
            Map.entry("numInferenceSteps", "nvext.num_inference_steps"),
            Map.entry("guidanceScale", "nvext.guidance_scale"),
            Map.entry("guidanceScale2", "nvext.guidance_scale_2"),
            Map.entry("seed", "nvext.seed"),
            Map.entry("fps", "nvext.fps"),
            Map.entry(CacheSpec.FIELD, "nvext.cache"),
            Map.entry("image", "input_reference"),
            Map.entry("lastImage", "nvext.last_image"));

    private final String id;
    private final GeneratorOptions options;
    private final ModelProfile profile;
    private final Function<GeneratorOptions, VideoGenerator> loader;
    private final boolean randomWeights;
    /** The transformer's architecture, for checking a request's cache policy at submission; null if unreadable. */
    private final WanTransformerConfig transformer;

    private PipelineModel(String id, GeneratorOptions options, ModelProfile profile, Function<GeneratorOptions, VideoGenerator> loader,
                          boolean randomWeights, WanTransformerConfig transformer) {
        this.randomWeights = randomWeights;
        this.transformer = transformer;
        this.id = id;
        this.options = options;
        this.profile = profile;
        this.loader = loader;
    }

    /**
     * The Diffusers pipeline folder {@code dir}, served as {@code id} (null: the folder's name). Its configs are
     * read now, so requests are checked against the model's geometry while the weights load; a folder that is
     * not a pipeline fails here, before the server starts.
     */
    public static PipelineModel pretrained(Path dir, String id, GeneratorOptions options) {
        Path abs = dir.toAbsolutePath().normalize();
        String name = id != null ? id : abs.getFileName().toString();
        return new PipelineModel(name, options, ModelProfile.read(abs), o -> VideoGenerator.fromPretrained(abs, o), false, transformerConfig(abs));
    }

    /**
     * The architecture in the config folder {@code configDir} with seeded random weights (real sizes, noise videos),
     * served as {@code id} (null: the folder's name); {@code substitutes} supplies folders the configs lack (a tokenizer);
     * {@code randomTextEmbeddings} skips the text encoder for seeded random embeddings of its width.
     */
    public static PipelineModel randomWeights(Path configDir, Map<String, Path> substitutes, boolean randomTextEmbeddings, String id, GeneratorOptions options) {
        Path abs = configDir.toAbsolutePath().normalize();
        String name = id != null ? id : abs.getFileName().toString();
        return new PipelineModel(name, options, ModelProfile.read(abs), o -> VideoGenerator.randomWeights(abs, o, 0L, substitutes, randomTextEmbeddings), true,
                transformerConfig(abs));
    }

    /** The tiny random-weight demo pipeline (its videos are noise), served as {@code id} (null: {@value #DEMO_ID}). */
    public static PipelineModel demo(String id, GeneratorOptions options) {
        Path configs = DemoConfigs.unpack();
        try {
            return new PipelineModel(id != null ? id : DEMO_ID, options, DemoConfigs.profile(), VideoGenerator::demo, true, transformerConfig(configs));
        } finally {
            FileOps.deleteTreeQuietly(configs);
        }
    }

    /** {@code dir}'s transformer config, or null when it cannot be read (the load then reports why). */
    private static WanTransformerConfig transformerConfig(Path dir) {
        try {
            return WanTransformerConfig.fromConfig(ConfigJson.read(dir.resolve("transformer").resolve("config.json")));
        } catch (ReelException e) {
            return null;
        }
    }

    /** This model with LoRA files applied to the transformer of every loaded copy (merged into its weights if {@code merge}). */
    public PipelineModel withLoras(List<LoraSpec> loras, boolean merge) {
        if (loras.isEmpty()) return this;
        Function<GeneratorOptions, VideoGenerator> base = loader;
        return new PipelineModel(id, options, profile, o -> {
            VideoGenerator g = base.apply(o);
            try {
                g.applyLoras(loras, merge);
                return g;
            } catch (RuntimeException e) {
                g.close();
                throw e;
            }
        }, randomWeights, transformer);
    }

    @Override public String id() { return id; }
    @Override public GenerationRequest defaults() { return profile.defaults(); }
    @Override public boolean randomWeights() { return randomWeights; }
    @Override public List<String> examplePrompts() { return profile.examplePrompts(); }
    @Override public VideoGeometry geometry() { return profile.geometry(); }
    @Override public dev.reel.pipeline.ModelTask task() { return profile.task(); }

    @Override public void validate(VideoSpec spec) {
        try {
            GenerationRequest r = request(profile.requestBuilder(spec.prompt()), spec).build();
            InputValidation.check(r, profile, options.limits());
            if (transformer != null) CacheStrategies.create(r.cache(), transformer);   // e.g. a model without published coefficients
        } catch (InvalidRequestException e) {
            String param = API_FIELDS.getOrDefault(e.field(), e.field());
            String shown = param.equals("size") ? "size = \"" + spec.size() + "\" (" + e.field() + " " + e.value() + ")" : param + " = " + e.value();
            throw new SpecRejectedException(param, shown + ": " + e.rule(), e.limit());
        }
    }

    @Override public VideoEngine load(List<Device> devices) {
        GeneratorOptions o = devices.size() == 1 && !options.parallel().isParallel()
                ? options.withDevice(devices.getFirst()) : options.withParallel(options.parallel(), devices);
        return new PipelineEngine(loader.apply(o));
    }

    /**
     * The pipeline request for {@code spec}, writing nothing yet: the model's defaults ({@code base}, as the CLI
     * and the Java API start from) with the job's resolved fields set.
     */
    static GenerationRequest.Builder request(GenerationRequest.Builder base, VideoSpec spec) {
        return base.prompt(spec.prompt())
                .negativePrompt(spec.negativePrompt())
                .size(spec.height(), spec.width())
                .numFrames(spec.numFrames())
                .fps(spec.fps())
                .numInferenceSteps(spec.numInferenceSteps())
                .guidanceScale(spec.guidanceScale())
                .guidanceScale2(spec.guidanceScale2())
                .seed(spec.seed())
                .cache(spec.cache())
                .image(picture(spec.inputReference()))
                .lastImage(picture(spec.lastImage()));
    }

    /** A picture kept in a spec (base64 of the file, checked when the request was parsed), or null. */
    private static RgbImage picture(String base64) {
        return base64 == null ? null : InputImages.decode(Base64.getDecoder().decode(base64));
    }
}
