package dev.reel.models.loader;

import dev.reel.models.nn.ConfigJson;
import java.nio.file.Path;

/**
 * Which Wan model a Diffusers pipeline folder holds, told from its configs alone (no weights): the pipeline class
 * and options of {@code model_index.json}, the transformer's input channels and image branch, the VAE's design.
 * <ul>
 *   <li>Wan2.2 A14B: {@code boundary_ratio} set (two experts, {@code transformer_2}); image-to-video when the
 *       pipeline is {@code WanImageToVideoPipeline} or the transformer takes more channels than the latents.</li>
 *   <li>Wan2.2 TI2V-5B: {@code expand_timesteps}, or the Wan2.2 VAE ({@code is_residual}, {@code patch_size} 2);
 *       text-to-video and image-to-video from one checkpoint.</li>
 *   <li>Wan2.1 image-to-video: the transformer has an image branch ({@code image_dim}), more input channels than
 *       the latents, or the pipeline is {@code WanImageToVideoPipeline}.</li>
 *   <li>Wan2.1 text-to-video otherwise.</li>
 * </ul>
 */
public enum WanFamily {
    WAN21_T2V("Wan2.1", "text-to-video"),
    WAN21_I2V("Wan2.1", "image-to-video"),
    WAN22_TI2V("Wan2.2 TI2V", "text-to-video and image-to-video"),
    WAN22_T2V_A14B("Wan2.2 A14B", "text-to-video"),
    WAN22_I2V_A14B("Wan2.2 A14B", "image-to-video");

    private static final String I2V_PIPELINE = "WanImageToVideoPipeline";

    private final String family;
    private final String task;

    WanFamily(String family, String task) {
        this.family = family;
        this.task = task;
    }

    /** The model family ({@code "Wan2.2 A14B"}). */
    public String family() { return family; }

    /** What it makes ({@code "text-to-video"}). */
    public String task() { return task; }

    /** {@code "Wan2.2 A14B text-to-video"}. */
    public String describe() { return family + " " + task; }

    /** True for Wan2.2 A14B's two experts. */
    public boolean twoExperts() { return this == WAN22_T2V_A14B || this == WAN22_I2V_A14B; }

    /** Reads the family of the pipeline folder {@code dir}. */
    public static WanFamily detect(Path dir) {
        ModelIndex index = ModelIndex.read(dir);
        ConfigJson transformer = config(index, index.has("transformer") ? "transformer" : "transformer_2");
        ConfigJson vae = config(index, "vae");
        int latentChannels = vae.getInt("z_dim", 16);
        boolean imageInput = index.pipelineClass().equals(I2V_PIPELINE) || transformer.getInt("in_channels", 16) > latentChannels;
        if (index.boundaryRatio() != null) return imageInput ? WAN22_I2V_A14B : WAN22_T2V_A14B;
        boolean wan22Vae = vae.getBoolean("is_residual", false) || patchSize(vae) > 1;
        if (index.expandTimesteps() || wan22Vae) return WAN22_TI2V;
        boolean imageBranch = transformer.node("image_dim") != null && !transformer.node("image_dim").isNull();
        return imageBranch || imageInput ? WAN21_I2V : WAN21_T2V;
    }

    private static int patchSize(ConfigJson vae) {
        var p = vae.node("patch_size");
        return p == null || p.isNull() ? 1 : p.asInt(1);
    }

    private static ConfigJson config(ModelIndex index, String slot) {
        return ConfigJson.read(index.folder(index.component(slot)).resolve("config.json"));
    }
}
