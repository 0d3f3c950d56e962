package dev.reel.server.engine;

import dev.reel.core.Device;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformerConfig;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.VideoGeometry;
import dev.reel.pipeline.cache.CacheSpec;
import dev.reel.pipeline.cache.CacheStrategies;
import dev.reel.pipeline.stages.InputValidation;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/** A {@link VideoModel} backed by Reel's pipeline ({@link VideoGenerator}): a Diffusers folder or the demo model. */
public final class PipelineModel implements VideoModel {
    /** The id of {@link #demo}. */
    public static final String DEMO_ID = "reel-demo";

    /** Pipeline request fields → the API fields clients send. */
    private static final Map<String, String> API_FIELDS = Map.of(
            "prompt", "prompt",
            "negativePrompt", "nvext.negative_prompt",
            "height", "size",
            "width", "size",
            "numFrames", "nvext.num_frames",
            "numInferenceSteps", "nvext.num_inference_steps",
            "guidanceScale", "nvext.guidance_scale",
            "seed", "nvext.seed",
            "fps", "nvext.fps",
            CacheSpec.FIELD, "nvext.cache");

    private final String id;
    private final GeneratorOptions options;
    private final VideoGeometry geometry;
    private final Function<GeneratorOptions, VideoGenerator> loader;
    /** The transformer's architecture, for checking a request's cache policy at submission; null if unreadable. */
    private final WanTransformerConfig transformer;

    private PipelineModel(String id, GeneratorOptions options, VideoGeometry geometry, Function<GeneratorOptions, VideoGenerator> loader,
                          WanTransformerConfig transformer) {
        this.id = id;
        this.options = options;
        this.geometry = geometry;
        this.loader = loader;
        this.transformer = transformer;
    }

    /** {@code dir}'s transformer config, or null when it cannot be read (the load then reports why). */
    private static WanTransformerConfig transformerConfig(Path dir) {
        try {
            return WanTransformerConfig.fromConfig(ConfigJson.read(dir.resolve("transformer").resolve("config.json")));
        } catch (ReelException e) {
            return null;
        }
    }

    /**
     * The Diffusers pipeline folder {@code dir}, served as {@code id} (null: the folder's name). Its configs are
     * read now, so requests are checked against the model's geometry while the weights load; a folder that is
     * not a pipeline fails here, before the server starts.
     */
    public static PipelineModel pretrained(Path dir, String id, GeneratorOptions options) {
        Path abs = dir.toAbsolutePath().normalize();
        String name = id != null ? id : abs.getFileName().toString();
        return new PipelineModel(name, options, VideoGeometry.read(abs), o -> VideoGenerator.fromPretrained(abs, o), transformerConfig(abs));
    }

    /** The tiny random-weight demo pipeline (its videos are noise), served as {@code id} (null: {@value #DEMO_ID}). */
    public static PipelineModel demo(String id, GeneratorOptions options) {
        Path configs = VideoGenerator.unpackDemoConfigs();
        try {
            return new PipelineModel(id != null ? id : DEMO_ID, options, VideoGenerator.demoGeometry(), VideoGenerator::demo, transformerConfig(configs));
        } finally {
            FileOps.deleteTreeQuietly(configs);
        }
    }

    @Override public String id() { return id; }
    @Override public int defaultSteps() { return GenerationRequest.DEFAULT_STEPS; }
    @Override public double defaultGuidance() { return GenerationRequest.DEFAULT_GUIDANCE; }
    @Override public int defaultFps() { return GenerationRequest.DEFAULT_FPS; }
    @Override public VideoGeometry geometry() { return geometry; }

    @Override public void validate(VideoSpec spec) {
        try {
            GenerationRequest r = request(spec).build();
            InputValidation.check(r, geometry, options.limits());
            if (transformer != null) CacheStrategies.create(r.cache(), transformer);   // e.g. a model without published coefficients
        } catch (InvalidRequestException e) {
            String param = API_FIELDS.getOrDefault(e.field(), e.field());
            String shown = param.equals("size") ? "size = \"" + spec.size() + "\" (" + e.field() + " " + e.value() + ")" : param + " = " + e.value();
            throw new SpecRejectedException(param, shown + ": " + e.rule(), e.limit());
        }
    }

    @Override public VideoEngine load(Device device) {
        return new PipelineEngine(loader.apply(options.withDevice(device)));
    }

    /** The pipeline request for {@code spec}, writing nothing yet. */
    static GenerationRequest.Builder request(VideoSpec spec) {
        return GenerationRequest.builder(spec.prompt())
                .negativePrompt(spec.negativePrompt())
                .size(spec.height(), spec.width())
                .numFrames(spec.numFrames())
                .fps(spec.fps())
                .numInferenceSteps(spec.numInferenceSteps())
                .guidanceScale(spec.guidanceScale())
                .seed(spec.seed())
                .cache(spec.cache());
    }
}
