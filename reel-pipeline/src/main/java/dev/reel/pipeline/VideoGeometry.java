package dev.reel.pipeline;

import dev.reel.models.loader.ModelIndex;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformerConfig;
import dev.reel.models.wan.WanVaeConfig;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * How pixels map to latents and tokens for one model: the one owner of the frame rule ({@code 4k+1} for Wan2.1's
 * ×4 temporal VAE), the size multiples (VAE ×8 spatial times the transformer's 2×2 patch), the latent shape and
 * the largest sizes the transformer's rotary tables cover. Derived from the VAE's and the transformer's configs,
 * so a VAE with other factors or channels (Wan2.2's ×16 and z_dim 48) needs no edit elsewhere; computable from
 * the configs alone ({@link #read}), before any weight is loaded.
 *
 * @param temporalFactor frames per latent frame after the first ({@code scale_factor_temporal})
 * @param spatialFactor  pixels per latent cell in height and width ({@code scale_factor_spatial})
 * @param latentChannels the latent space's channels ({@code z_dim})
 * @param patchSize      the transformer's (t, h, w) patch
 * @param ropeMaxSeqLen  positions per axis the transformer's rotary tables cover ({@code rope_max_seq_len})
 */
public record VideoGeometry(int temporalFactor, int spatialFactor, int latentChannels, int[] patchSize, int ropeMaxSeqLen) {

    public VideoGeometry {
        patchSize = patchSize.clone();
        if (temporalFactor < 1 || spatialFactor < 1 || latentChannels < 1 || patchSize.length != 3 || ropeMaxSeqLen < 1) {
            throw new IllegalArgumentException("invalid video geometry: temporal " + temporalFactor + ", spatial " + spatialFactor
                    + ", channels " + latentChannels + ", patch " + Arrays.toString(patchSize) + ", rope " + ropeMaxSeqLen);
        }
    }

    /** The geometry of a pipeline built from these two configs. */
    public static VideoGeometry of(WanVaeConfig vae, WanTransformerConfig transformer) {
        return new VideoGeometry(vae.scaleFactorTemporal(), vae.scaleFactorSpatial(), vae.zDim(), transformer.patchSize(), transformer.ropeMaxSeqLen());
    }

    /** A VAE on its own: no patching and no positional limit. */
    public static VideoGeometry ofVae(WanVaeConfig vae) {
        return new VideoGeometry(vae.scaleFactorTemporal(), vae.scaleFactorSpatial(), vae.zDim(), new int[] {1, 1, 1}, Integer.MAX_VALUE);
    }

    /**
     * Reads the geometry of the Diffusers pipeline folder {@code dir} from its {@code model_index.json} and the
     * {@code vae} and {@code transformer} configs; no weights are opened.
     */
    public static VideoGeometry read(Path dir) {
        ModelIndex index = ModelIndex.read(dir);
        WanVaeConfig vae = WanVaeConfig.fromConfig(ConfigJson.read(index.folder(index.component("vae")).resolve("config.json")));
        WanTransformerConfig t = WanTransformerConfig.fromConfig(ConfigJson.read(index.folder(index.component("transformer")).resolve("config.json")));
        return of(vae, t);
    }

    @Override public int[] patchSize() { return patchSize.clone(); }

    /** Heights must be a multiple of this: a latent cell times the patch's height. */
    public int heightMultiple() { return spatialFactor * patchSize[1]; }

    /** Widths must be a multiple of this. */
    public int widthMultiple() { return spatialFactor * patchSize[2]; }

    /** True if {@code frames} is an allowed count: {@code 1 + k·temporalFactor} (4k+1 for Wan2.1), whole temporal patches. */
    public boolean validFrames(int frames) {
        return frames >= 1 && (frames - 1) % temporalFactor == 0 && latentFrames(frames) % patchSize[0] == 0;
    }

    /** The rule {@link #validFrames} checks, in words: {@code "4k+1 (1, 5, 9, …, 81, …)"} for Wan2.1. */
    public String frameRule() {
        int s = temporalFactor;
        String rule = s + "k+1 (1, " + (1 + s) + ", " + (1 + 2 * s) + ", …, " + (1 + (80 / s) * s) + ", …)";
        return patchSize[0] == 1 ? rule : rule + " with a multiple of " + patchSize[0] + " latent frames";
    }

    /** The largest allowed frame count not above {@code frames}, or 0 when there is none. */
    public int framesAtMost(int frames) {
        for (int n = Math.max(0, frames - 1) / temporalFactor * temporalFactor + 1; n >= 1; n -= temporalFactor) if (validFrames(n)) return n;
        return 0;
    }

    /** The smallest allowed frame count not below {@code frames}. */
    public int framesAtLeast(int frames) {
        int n = Math.max(1, frames);
        n = (n - 1 + temporalFactor - 1) / temporalFactor * temporalFactor + 1;
        while (!validFrames(n)) n += temporalFactor;
        return n;
    }

    /** Latent frames of a video of {@code frames} frames. */
    public int latentFrames(int frames) { return (frames - 1) / temporalFactor + 1; }

    /** The latent shape {@code [1, C, (F−1)/t + 1, H/s, W/s]} of a video. */
    public int[] latentShape(int frames, int height, int width) {
        return new int[] {1, latentChannels, latentFrames(frames), height / spatialFactor, width / spatialFactor};
    }

    /** Transformer tokens of a video: its latent grid divided by the patch. */
    public long tokens(int frames, int height, int width) {
        return (long) (latentFrames(frames) / patchSize[0]) * (height / spatialFactor / patchSize[1]) * (width / spatialFactor / patchSize[2]);
    }

    /** The most frames the rotary tables cover ({@code rope_max_seq_len} latent frames per temporal patch). */
    public int maxFrames() { return saturated((long) (ropeMaxSeqLen * (long) patchSize[0] - 1) * temporalFactor + 1); }

    /** The largest height the rotary tables cover. */
    public int maxHeight() { return saturated((long) ropeMaxSeqLen * heightMultiple()); }

    /** The largest width the rotary tables cover. */
    public int maxWidth() { return saturated((long) ropeMaxSeqLen * widthMultiple()); }

    private static int saturated(long v) { return (int) Math.min(Integer.MAX_VALUE, v); }

    @Override public boolean equals(Object o) {
        return o instanceof VideoGeometry g && temporalFactor == g.temporalFactor && spatialFactor == g.spatialFactor
                && latentChannels == g.latentChannels && Arrays.equals(patchSize, g.patchSize) && ropeMaxSeqLen == g.ropeMaxSeqLen;
    }

    @Override public int hashCode() { return Arrays.hashCode(patchSize) * 31 + temporalFactor * 17 + spatialFactor * 7 + latentChannels; }

    @Override public String toString() {
        return "VideoGeometry[temporal ×" + temporalFactor + ", spatial ×" + spatialFactor + ", " + latentChannels + " latent channels, patch "
                + Arrays.toString(patchSize) + ", rope " + ropeMaxSeqLen + "]";
    }
}
