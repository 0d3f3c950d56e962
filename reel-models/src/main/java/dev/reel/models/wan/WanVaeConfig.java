package dev.reel.models.wan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.util.Arrays;

/**
 * The Wan VAE's {@code vae/config.json} (Diffusers' {@code AutoencoderKLWan}); defaults are Diffusers'. Wan2.1's
 * VAE is the default design; Wan2.2's (TI2V-5B) sets {@code is_residual} (residual down/up blocks with
 * parameter-free shortcuts) and {@code patch_size} 2 (the video is cut into 2×2 pixel patches, 12 channels, before
 * the encoder and put back after the decoder), with ×16 spatial factors and 48 latent channels.
 *
 * @param baseDim             channels of the encoder's first level ({@code base_dim})
 * @param decoderBaseDim      the decoder's base channels ({@code decoder_base_dim}, defaults to baseDim)
 * @param zDim                latent channels ({@code z_dim}); the encoder emits 2·zDim (mean and log-variance)
 * @param dimMult             channel multiplier per level ({@code dim_mult})
 * @param numResBlocks        residual blocks per encoder level; the decoder has one more per level
 * @param attnScales          spatial scales (1, 0.5, …) whose encoder levels get attention ({@code attn_scales})
 * @param temperalDownsample  per downsampling level, whether time is halved too ({@code temperal_downsample}, sic)
 * @param dropout             dropout rate (inference ignores it)
 * @param latentsMean         per-channel latent mean, for the pipeline's normalisation
 * @param latentsStd          per-channel latent standard deviation
 * @param inChannels          video channels in
 * @param outChannels         video channels out
 * @param scaleFactorTemporal frames per latent frame (after the first)
 * @param scaleFactorSpatial  pixels per latent pixel (the patch included)
 * @param isResidual          Wan2.2's residual down/up blocks ({@code is_residual})
 * @param patchSize           pixels per side of the patches the video is cut into ({@code patch_size}; 1: none)
 */
public record WanVaeConfig(
        int baseDim,
        int decoderBaseDim,
        int zDim,
        int[] dimMult,
        int numResBlocks,
        double[] attnScales,
        boolean[] temperalDownsample,
        double dropout,
        float[] latentsMean,
        float[] latentsStd,
        int inChannels,
        int outChannels,
        int scaleFactorTemporal,
        int scaleFactorSpatial,
        boolean isResidual,
        int patchSize) {

    public WanVaeConfig {
        if (patchSize < 1) throw new ConfigException("WanVaeConfig: patch_size must be at least 1 (got " + patchSize + ")");
        int cells = patchSize * patchSize;
        if (inChannels % cells != 0 || outChannels % cells != 0) {
            throw new ConfigException("WanVaeConfig: in_channels " + inChannels + " and out_channels " + outChannels + " must be multiples of patch_size² = " + cells
                    + " (the patchified video's channels)");
        }
        if (baseDim <= 0 || decoderBaseDim <= 0 || zDim <= 0) throw new ConfigException("WanVaeConfig: base_dim, decoder_base_dim and z_dim must be positive (got " + baseDim + ", " + decoderBaseDim + ", " + zDim + ")");
        if (dimMult.length < 1) throw new ConfigException("WanVaeConfig: dim_mult must not be empty");
        if (numResBlocks < 1) throw new ConfigException("WanVaeConfig: num_res_blocks must be at least 1 (got " + numResBlocks + ")");
        if (temperalDownsample.length != dimMult.length - 1) {
            throw new ConfigException("WanVaeConfig: temperal_downsample has " + temperalDownsample.length + " entries, dim_mult has " + dimMult.length + " levels; it needs one per downsampling (" + (dimMult.length - 1) + ")");
        }
        if (latentsMean.length != zDim || latentsStd.length != zDim) {
            throw new ConfigException("WanVaeConfig: latents_mean and latents_std need z_dim=" + zDim + " entries (got " + latentsMean.length + " and " + latentsStd.length + ")");
        }
        dimMult = dimMult.clone();
        attnScales = attnScales.clone();
        temperalDownsample = temperalDownsample.clone();
        latentsMean = latentsMean.clone();
        latentsStd = latentsStd.clone();
    }

    /** The published Wan2.1 VAE (Diffusers' defaults). */
    public static WanVaeConfig wan21() {
        return new WanVaeConfig(96, 96, 16, new int[] {1, 2, 4, 4}, 2, new double[0], new boolean[] {false, true, true}, 0.0,
                DEFAULT_MEAN.clone(), DEFAULT_STD.clone(), 3, 3, 4, 8, false, 1);
    }

    /** Reads a {@code vae/config.json} (Wan2.1's or Wan2.2's VAE). */
    public static WanVaeConfig fromConfig(ConfigJson c) {
        JsonNode patch = c.node("patch_size");
        int patchSize = patch == null || patch.isNull() ? 1 : c.getInt("patch_size");
        int baseDim = c.getInt("base_dim", 96);
        WanVaeConfig cfg = new WanVaeConfig(
                baseDim,
                c.getInt("decoder_base_dim", baseDim),
                c.getInt("z_dim", 16),
                c.has("dim_mult") ? c.getIntArray("dim_mult") : new int[] {1, 2, 4, 4},
                c.getInt("num_res_blocks", 2),
                c.has("attn_scales") ? c.getDoubleArray("attn_scales") : new double[0],
                c.has("temperal_downsample") ? c.getBooleanArray("temperal_downsample") : new boolean[] {false, true, true},
                c.getDouble("dropout", 0.0),
                c.has("latents_mean") ? toFloats(c.getDoubleArray("latents_mean")) : DEFAULT_MEAN.clone(),
                c.has("latents_std") ? toFloats(c.getDoubleArray("latents_std")) : DEFAULT_STD.clone(),
                c.getInt("in_channels", 3),
                c.getInt("out_channels", 3),
                c.getInt("scale_factor_temporal", 4),
                c.getInt("scale_factor_spatial", 8),
                c.getBoolean("is_residual", false),
                patchSize);
        c.logUnknownKeys();
        return cfg;
    }

    /** Channels of the video itself: {@code in_channels} before patchifying (3 for RGB). */
    public int videoInChannels() { return inChannels / (patchSize * patchSize); }

    /** Channels of the decoded video after unpatchifying. */
    public int videoOutChannels() { return outChannels / (patchSize * patchSize); }

    /** Temporal upsampling per decoder level: the encoder's downsampling, reversed. */
    public boolean[] temperalUpsample() {
        boolean[] up = new boolean[temperalDownsample.length];
        for (int i = 0; i < up.length; i++) up[i] = temperalDownsample[up.length - 1 - i];
        return up;
    }

    @Override public int[] dimMult() { return dimMult.clone(); }
    @Override public double[] attnScales() { return attnScales.clone(); }
    @Override public boolean[] temperalDownsample() { return temperalDownsample.clone(); }
    @Override public float[] latentsMean() { return latentsMean.clone(); }
    @Override public float[] latentsStd() { return latentsStd.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof WanVaeConfig w && baseDim == w.baseDim && decoderBaseDim == w.decoderBaseDim && zDim == w.zDim
                && Arrays.equals(dimMult, w.dimMult) && numResBlocks == w.numResBlocks && Arrays.equals(attnScales, w.attnScales)
                && Arrays.equals(temperalDownsample, w.temperalDownsample) && dropout == w.dropout
                && Arrays.equals(latentsMean, w.latentsMean) && Arrays.equals(latentsStd, w.latentsStd)
                && inChannels == w.inChannels && outChannels == w.outChannels
                && scaleFactorTemporal == w.scaleFactorTemporal && scaleFactorSpatial == w.scaleFactorSpatial
                && isResidual == w.isResidual && patchSize == w.patchSize;
    }

    @Override public int hashCode() {
        return Arrays.hashCode(dimMult) * 31 + baseDim * 17 + zDim;
    }

    @Override public String toString() {
        return "WanVaeConfig[base_dim=" + baseDim + ", decoder_base_dim=" + decoderBaseDim + ", z_dim=" + zDim
                + ", dim_mult=" + Arrays.toString(dimMult) + ", num_res_blocks=" + numResBlocks
                + ", attn_scales=" + Arrays.toString(attnScales) + ", temperal_downsample=" + Arrays.toString(temperalDownsample)
                + ", in/out_channels=" + inChannels + "/" + outChannels + ", is_residual=" + isResidual + ", patch_size=" + patchSize + "]";
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    private static final float[] DEFAULT_MEAN = {
        -0.7571f, -0.7089f, -0.9113f, 0.1075f, -0.1745f, 0.9653f, -0.1517f, 1.5508f,
        0.4134f, -0.0715f, 0.5517f, -0.3632f, -0.1922f, -0.9497f, 0.2503f, -0.2921f};
    private static final float[] DEFAULT_STD = {
        2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f, 2.6052f, 2.0743f,
        3.2687f, 2.1526f, 2.8652f, 1.5579f, 1.6382f, 1.1253f, 2.8251f, 1.9160f};
}
