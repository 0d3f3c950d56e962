package dev.reel.server.engine;

import dev.reel.core.Device;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ModelProfile;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.VideoGeometry;
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
            "fps", "nvext.fps");

    private final String id;
    private final GeneratorOptions options;
    private final ModelProfile profile;
    private final Function<GeneratorOptions, VideoGenerator> loader;
    private final boolean randomWeights;

    private PipelineModel(String id, GeneratorOptions options, ModelProfile profile, Function<GeneratorOptions, VideoGenerator> loader, boolean randomWeights) {
        this.randomWeights = randomWeights;
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
        return new PipelineModel(name, options, ModelProfile.read(abs), o -> VideoGenerator.fromPretrained(abs, o), false);
    }

    /** The tiny random-weight demo pipeline (its videos are noise), served as {@code id} (null: {@value #DEMO_ID}). */
    public static PipelineModel demo(String id, GeneratorOptions options) {
        return new PipelineModel(id != null ? id : DEMO_ID, options, VideoGenerator.demoProfile(), VideoGenerator::demo, true);
    }

    @Override public String id() { return id; }
    @Override public GenerationRequest defaults() { return profile.defaults(); }
    @Override public boolean randomWeights() { return randomWeights; }
    @Override public VideoGeometry geometry() { return profile.geometry(); }

    @Override public void validate(VideoSpec spec) {
        try {
            InputValidation.check(request(profile.requestBuilder(spec.prompt()), spec).build(), profile.geometry(), options.limits());
        } catch (InvalidRequestException e) {
            String param = API_FIELDS.getOrDefault(e.field(), e.field());
            String shown = param.equals("size") ? "size = \"" + spec.size() + "\" (" + e.field() + " " + e.value() + ")" : param + " = " + e.value();
            throw new SpecRejectedException(param, shown + ": " + e.rule(), e.limit());
        }
    }

    @Override public VideoEngine load(Device device) {
        return new PipelineEngine(loader.apply(options.withDevice(device)));
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
                .seed(spec.seed());
    }
}
