package dev.reel.pipeline;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.Tensor;
import dev.reel.core.dist.RankContext;
import dev.reel.models.clip.ClipImageProcessor;
import dev.reel.models.clip.ClipVisionModel;
import dev.reel.models.image.VaeImageProcessor;
import dev.reel.models.loader.PipelineComponents;
import dev.reel.models.loader.SchedulerFolder;
import dev.reel.models.loader.TokenizerFolder;
import dev.reel.models.nn.Offloaded;
import dev.reel.models.t5.T5Tokenizer;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.models.wan.WanVaeTiling;
import dev.reel.pipeline.parallel.DenoisingPlan;
import dev.reel.pipeline.stages.ConditionBroadcast;
import dev.reel.pipeline.stages.Decoding;
import dev.reel.pipeline.stages.Denoising;
import dev.reel.pipeline.stages.DenoisingExperts;
import dev.reel.pipeline.stages.FirstFrameConditioning;
import dev.reel.pipeline.stages.ImageConditioning;
import dev.reel.pipeline.stages.ImageEncoding;
import dev.reel.pipeline.stages.InputValidation;
import dev.reel.pipeline.stages.LatentPreparation;
import dev.reel.pipeline.stages.Output;
import dev.reel.pipeline.stages.Stage;
import dev.reel.pipeline.stages.TextBroadcast;
import dev.reel.pipeline.stages.TextEncoding;
import dev.reel.pipeline.stages.TimestepPreparation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Which stages a rank runs, in order, for a {@link VideoGenerator}'s model: rank 0 all of them; the others up to
 * Denoising, receiving the text (and an image-to-video condition) from rank 0 by broadcast, since the text encoder and
 * the VAE live on rank 0 only.
 */
final class RankStages {
    private final ModelProfile profile;
    private final GeneratorOptions options;
    private final VideoGeometry geometry;
    private final Offloaded vaeResidency;
    private final Function<T5Tokenizer.Encoding, Tensor> textEncoder;
    private final Map<PipelineComponents, DenoisingExperts> experts;

    /**
     * @param vaeResidency where rank 0's VAE lives between its encode and decode
     * @param textEncoder  rank 0's text encoder (or its random stand-in)
     * @param experts      each distinct rank components' denoising expert(s)
     */
    RankStages(ModelProfile profile, GeneratorOptions options, VideoGeometry geometry, Offloaded vaeResidency,
               Function<T5Tokenizer.Encoding, Tensor> textEncoder, Map<PipelineComponents, DenoisingExperts> experts) {
        this.profile = profile;
        this.options = options;
        this.geometry = geometry;
        this.vaeResidency = vaeResidency;
        this.textEncoder = textEncoder;
        this.experts = experts;
    }

    /** The stages rank {@code rc} runs with its components {@code c}. */
    List<Stage> of(RankContext rc, PipelineComponents c) {
        Backend backend = Backends.of(rc.device());
        WanTransformer3DModel transformer = c.get("transformer", WanTransformer3DModel.class);
        List<Stage> list = new ArrayList<>();
        ModelTask task = profile.task();
        boolean offloadVae = options.system().memoryLevel().offloadsVae();
        AutoencoderKLWan vae = rc.isLeader() ? c.get("vae", AutoencoderKLWan.class) : null;
        list.add(new InputValidation(profile, options.limits()));
        if (rc.isLeader()) list.add(new TextEncoding(c.get("tokenizer", TokenizerFolder.class), textEncoder, transformer.dtype()));
        if (task.clip()) {
            list.add(new ImageEncoding(c.get("image_processor", ClipImageProcessor.class), c.get("image_encoder", ClipVisionModel.class),
                    transformer.dtype(), backend));
        }
        if (rc.plan().isParallel()) list.add(new TextBroadcast(rc.world(), transformer.config().textDim(), transformer.dtype(), backend));
        list.add(new TimestepPreparation(c.get("scheduler", SchedulerFolder.class)));
        list.add(new LatentPreparation(geometry, backend));
        if (task.firstFrameImage()) {
            if (rc.isLeader()) list.add(new FirstFrameConditioning(vae, vaeResidency, VaeImageProcessor.defaults()));
        } else if (task.takesImages()) {
            if (rc.isLeader()) list.add(new ImageConditioning(vae, vaeResidency, VaeImageProcessor.defaults(), geometry, backend));
            if (rc.plan().isParallel()) list.add(new ConditionBroadcast(rc.world(), geometry, backend));
        }
        list.add(new Denoising(experts.get(c), DenoisingPlan.of(rc)));
        if (rc.isLeader()) {
            list.add(new Decoding(vae, vaeResidency, offloadVae ? WanVaeTiling.defaults() : null));
            list.add(new Output());
        }
        return list;
    }
}
