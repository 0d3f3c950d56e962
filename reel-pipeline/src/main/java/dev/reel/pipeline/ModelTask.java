package dev.reel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.models.loader.ModelIndex;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformerConfig;
import dev.reel.models.wan.WanVaeConfig;
import java.nio.file.Path;

/**
 * What a pipeline folder generates, read from its configs: the model family and task, and how many conditioning
 * pictures a request gives (the first frame, optionally or necessarily the last). The rules are Diffusers':
 * {@code WanImageToVideoPipeline} (or a transformer taking {@code 2·z_dim + 4} channels: noise, the image latents
 * and the 4-channel frame mask) conditions on pictures; a transformer with a CLIP branch ({@code image_dim}) takes
 * one picture, two with a position table over two images' tokens ({@code pos_embed_seq_len}: first-and-last-frame);
 * without a CLIP branch (Wan2.2 A14B I2V) the last picture is optional.
 *
 * @param family    {@code Wan2.1} or {@code Wan2.2}
 * @param task      {@code t2v}, {@code i2v}, {@code flf2v} or {@code ti2v}
 * @param minImages pictures a request must give (0 for text-to-video)
 * @param maxImages pictures a request may give (2: first and last frame)
 * @param clip      true if the pictures are also encoded by the CLIP image encoder
 */
public record ModelTask(String family, String task, int minImages, int maxImages, boolean clip) {
    /** The task name of Wan2.2 TI2V, whose picture becomes the first frame's latents (per-token timesteps). */
    private static final String TI2V = "ti2v";

    /** Wan2.1 text-to-video. */
    public static final ModelTask T2V = new ModelTask("Wan2.1", "t2v", 0, 0, false);

    /** Reads {@code dir}'s {@code model_index.json} and its transformer's and VAE's configs. */
    public static ModelTask read(Path dir) {
        ModelIndex index = ModelIndex.read(dir);
        ConfigJson vae = ConfigJson.read(index.folder(index.component("vae")).resolve("config.json"));
        ConfigJson t = ConfigJson.read(index.folder(index.component("transformer")).resolve("config.json"));
        ConfigJson pipeline = ConfigJson.read(dir.resolve(ModelIndex.FILE));
        return of(index.pipelineClass(), pipeline, WanTransformerConfig.fromConfig(t), WanVaeConfig.fromConfig(vae));
    }

    /** The task of a pipeline of class {@code pipelineClass} with these configs. */
    public static ModelTask of(String pipelineClass, ConfigJson pipeline, WanTransformerConfig t, WanVaeConfig vae) {
        JsonNode boundary = pipeline.node("boundary_ratio");
        boolean expand = pipeline.getBoolean("expand_timesteps", false);
        boolean wan22 = expand || (boundary != null && !boundary.isNull()) || vae.zDim() == 48;
        String family = wan22 ? "Wan2.2" : "Wan2.1";
        boolean conditioned = pipelineClass.contains("ImageToVideo") || t.inChannels() == 2 * vae.zDim() + 4;
        if (expand) return new ModelTask(family, TI2V, 0, 1, false);   // Wan2.2 TI2V: text, or a first frame (per-token timesteps)
        if (!conditioned) return new ModelTask(family, "t2v", 0, 0, false);
        if (!t.hasImageBranch()) return new ModelTask(family, "i2v", 1, 2, false);
        return t.imagesPerSample() == 2 ? new ModelTask(family, "flf2v", 2, 2, true) : new ModelTask(family, "i2v", 1, 1, true);
    }

    /** True if requests give pictures. */
    public boolean takesImages() { return maxImages > 0; }

    /**
     * True for Wan2.2 TI2V: a picture is not a condition beside the noise but the first frame's latents, kept at
     * timestep 0 while the rest is denoised.
     */
    public boolean firstFrameImage() { return task.equals(TI2V); }

    /** {@code Wan2.1 i2v (image-to-video)}. */
    public String describe() {
        String what = switch (task) {
            case "t2v" -> "text-to-video";
            case "i2v" -> "image-to-video" + (maxImages == 2 ? ", optionally to a last frame" : "");
            case "flf2v" -> "first-and-last-frame-to-video";
            case TI2V -> "text/image-to-video";
            default -> task;
        };
        return family + " " + task + " (" + what + ")";
    }
}
