package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.models.nn.SafetensorsWeights;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Weights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Wan video VAE (Diffusers' {@code AutoencoderKLWan}): a causal 3-D convolutional autoencoder that
 * compresses video 4× in time (after the first frame) and 8× in space into {@code z_dim} channels (Wan2.1), or,
 * with Wan2.2's residual design and 2×2 patches ({@link VaePatches}), 16× in space into 48 channels.
 *
 * <p>Both directions run chunk by chunk through a {@link WanFeatureCache}, exactly as the reference does:
 * {@link #encode} feeds frame 0 alone, then groups of four frames; {@link #decode} feeds one latent frame at a
 * time. Each chunk runs in its own memory scope, so peak memory is one chunk's activations plus the caches.
 * (The first chunk's single output frame comes from the empty cache slot of each temporal upsampler and, in
 * Wan2.2, from the reference's {@code first_chunk} flag on the residual up blocks' shortcuts.) The cache is local
 * to each call, so there is no {@code clear_cache} to call and one model may serve several threads.
 *
 * <p>Latents from {@link #encode} and for {@link #decode} are un-normalised; the pipeline's diffusion latents
 * relate to them through {@link #normalizeLatents} and {@link #denormalizeLatents} (config {@code latents_mean},
 * {@code latents_std}).
 */
public final class AutoencoderKLWan extends Module {
    /** Frames the encoder takes per chunk after the first (the temporal compression). */
    private static final int ENCODE_CHUNK = 4;

    public final WanEncoder3d encoder;
    public final WanCausalConv3d quantConv;
    public final WanCausalConv3d postQuantConv;
    public final WanDecoder3d decoder;
    private final WanVaeConfig config;

    /** The structure, with no weights loaded. */
    public AutoencoderKLWan(WanVaeConfig config) {
        this.config = config;
        int z = config.zDim();
        this.encoder = child("encoder", new WanEncoder3d(config, 2 * z));
        this.quantConv = child("quant_conv", new WanCausalConv3d(2 * z, 2 * z, 1, 0));
        this.postQuantConv = child("post_quant_conv", new WanCausalConv3d(z, z, 1, 0));
        this.decoder = child("decoder", new WanDecoder3d(config));
    }

    /** Builds the module tree from a {@code vae/config.json} (weights not loaded). */
    public static AutoencoderKLWan fromConfig(ConfigJson config) {
        return new AutoencoderKLWan(WanVaeConfig.fromConfig(config));
    }

    /**
     * Loads a Diffusers {@code vae/} folder: {@code config.json} plus {@code diffusion_pytorch_model.safetensors};
     * every key is checked (missing, unexpected and wrongly-shaped weights are reported together).
     */
    public static AutoencoderKLWan load(Path folder, DType dtype, Backend backend) {
        AutoencoderKLWan vae = fromConfig(ConfigJson.read(folder.resolve("config.json")));
        try (SafetensorsWeights weights = SafetensorsWeights.open(folder)) {
            Weights.load(vae, weights, dtype, backend);
        }
        return vae;
    }

    /** Builds the model with seeded random weights (for benchmarks at real sizes). */
    public static AutoencoderKLWan random(WanVaeConfig config, long seed, DType dtype, Backend backend) {
        AutoencoderKLWan vae = new AutoencoderKLWan(config);
        Weights.random(vae, seed, dtype, backend);
        return vae;
    }

    public WanVaeConfig config() { return config; }

    /** The dtype of the loaded weights, in which encode and decode compute. */
    public DType dtype() { return postQuantConv.weight.get().dtype(); }

    /**
     * Encodes video {@code [B, 3, T, H, W]} with values in [−1, 1] into the latent distribution
     * {@code [B, z, 1 + (T−1)/4, H/s, W/s]} (s = {@code scale_factor_spatial}; H and W multiples of the patch). As in
     * the reference, frames after the last full group of four are ignored, so T should be 1 + 4k.
     */
    public DiagonalGaussian encode(Tensor video) {
        checkInput("encode", "video", video, config.videoInChannels());
        int frames = video.size(2);
        int chunks = 1 + (frames - 1) / ENCODE_CHUNK;
        WanFeatureCache cache = new WanFeatureCache();
        try (Scope outer = Scope.open()) {
            Tensor x = VaePatches.patchify(video.to(dtype()), config.patchSize());  // [B, in_channels, T, H/p, W/p]
            List<Tensor> outs = new ArrayList<>();
            for (int i = 0; i < chunks; i++) {
                Tensor chunk = i == 0 ? x.narrow(2, 0, 1) : x.narrow(2, 1 + ENCODE_CHUNK * (i - 1), ENCODE_CHUNK);
                outs.add(runChunk(cache, () -> encoder.forward(chunk, cache)));
            }
            Backend b = x.backend();
            Tensor h = quantConv.forward(b.concat(2, outs.toArray(Tensor[]::new))); // [B, 2z, T', h, w]
            Tensor[] meanLogvar = h.chunk(2, 1);
            Tensor mean = outer.keep(b.contiguous(meanLogvar[0]));
            Tensor logvar = outer.keep(b.clamp(meanLogvar[1], -30f, 20f));
            return new DiagonalGaussian(mean, logvar);
        } finally {
            cache.clear();   // the cache owns its frames, also when a chunk failed
        }
    }

    /**
     * Decodes un-normalised latents {@code [B, z, T, h, w]} into video {@code [B, 3, 1 + 4(T−1), s·h, s·w]},
     * clamped to [−1, 1] as the reference does.
     */
    public Tensor decode(Tensor z) { return decode(z, (done, total) -> {}); }

    /**
     * As {@link #decode(Tensor)}, calling {@code chunkDone(i, T)} after each latent frame (the decoder's chunk) is
     * decoded: the VAE decode is the longest stage on the CPU, and this is how it shows progress.
     */
    public Tensor decode(Tensor z, java.util.function.BiConsumer<Integer, Integer> chunkDone) {
        checkInput("decode", "z", z, config.zDim());
        try (Scope outer = Scope.open()) {
            Tensor v = decodeUnclamped(z, chunkDone);
            return outer.keep(v.backend().clamp(v, -1f, 1f));
        }
    }

    /**
     * As {@link #decode}, in overlapping spatial tiles blended as {@link WanVaeTiling} says (Diffusers'
     * {@code tiled_decode}), when the latents are larger than one tile; otherwise it is {@link #decode}. The
     * video comes back on the host (a CPU tensor, fp32) so that only one tile is ever on the device.
     */
    public Tensor tiledDecode(Tensor z, WanVaeTiling tiling) {
        checkInput("tiledDecode", "z", z, config.zDim());
        int[] s = z.shape();
        int f = config.scaleFactorSpatial(), h = s[3], w = s[4];
        Backend cpu = Backends.cpu();
        if (!tiling.tiles(h, w, f)) {
            Tensor v = decode(z);
            return v.device().equals(cpu.device()) ? v : cpu.fromFloats(v.toFloatArray(), DType.F32, v.shape());
        }
        int p = config.patchSize();
        if (p == 1) return tiling.decode(z, f, tile -> decodeUnclamped(tile, (done, total) -> {}));
        // as the reference: tiles are blended in the patchified space (tile sizes / p), unpatchified once at the end
        WanVaeTiling patched = new WanVaeTiling(tiling.sampleMinHeight() / p, tiling.sampleMinWidth() / p,
                tiling.sampleStrideHeight() / p, tiling.sampleStrideWidth() / p);
        try (Scope outer = Scope.open()) {
            Tensor blended = patched.decode(z, f / p, tile -> decodePatchified(tile, (done, total) -> {}));
            Tensor v = VaePatches.unpatchify(blended, p);
            return outer.keep(cpu.clamp(v, -1f, 1f));
        }
    }

    /** The decoder's output before the final clamp (tiles are blended unclamped, as in the reference). */
    private Tensor decodeUnclamped(Tensor z, java.util.function.BiConsumer<Integer, Integer> chunkDone) {
        try (Scope outer = Scope.open()) {
            return outer.keep(VaePatches.unpatchify(decodePatchified(z, chunkDone), config.patchSize()));
        }
    }

    /** The decoder's output in the patchified space ({@code out_channels} channels), before unpatchifying and clamping. */
    private Tensor decodePatchified(Tensor z, java.util.function.BiConsumer<Integer, Integer> chunkDone) {
        WanFeatureCache cache = new WanFeatureCache();
        try (Scope outer = Scope.open()) {
            Tensor x = postQuantConv.forward(z.to(dtype()));
            List<Tensor> outs = new ArrayList<>();
            for (int i = 0; i < x.size(2); i++) {
                Tensor frame = x.narrow(2, i, 1);
                boolean first = i == 0;
                outs.add(runChunk(cache, () -> decoder.forward(frame, cache, first)));
                chunkDone.accept(i + 1, x.size(2));
            }
            return outer.keep(x.backend().concat(2, outs.toArray(Tensor[]::new)));
        } finally {
            cache.clear();
        }
    }

    /** Runs one chunk in its own scope, keeping its output (the cache keeps the frames it took itself). */
    private static Tensor runChunk(WanFeatureCache cache, Supplier<Tensor> step) {
        cache.beginChunk();
        try (Scope scope = Scope.open()) {
            return scope.keep(step.get());
        }
    }

    /**
     * Diffusion latents → what {@link #decode} takes: {@code latents / (1/std) + mean} per channel, computed as
     * Diffusers' Wan pipelines do. {@code latents} is {@code [B, z, T, h, w]}.
     */
    public Tensor denormalizeLatents(Tensor latents) {
        checkInput("denormalizeLatents", "latents", latents, config.zDim());
        try (Scope scope = Scope.open()) {
            Tensor out = latents.div(channelVector(latents, inverseStd(config))).add(channelVector(latents, config.latentsMean()));
            return scope.keep(out);
        }
    }

    /** {@link #encode}'s latents → diffusion latents: {@code (z − mean) · (1/std)} per channel. */
    public Tensor normalizeLatents(Tensor z) { return normalizeLatents(z, config); }

    /** {@link #normalizeLatents(Tensor)} with {@code config}'s statistics, for latents encoded earlier (training data). */
    public static Tensor normalizeLatents(Tensor z, WanVaeConfig config) {
        checkInput("normalizeLatents", "z", z, config.zDim());
        try (Scope scope = Scope.open()) {
            Tensor out = z.sub(channelVector(z, config.latentsMean())).mul(channelVector(z, inverseStd(config)));
            return scope.keep(out);
        }
    }

    /** Per-channel latent mean ({@code latents_mean}), length z_dim. */
    public float[] latentsMean() { return config.latentsMean(); }

    /** Per-channel latent standard deviation ({@code latents_std}), length z_dim. */
    public float[] latentsStd() { return config.latentsStd(); }

    private static float[] inverseStd(WanVaeConfig config) {
        float[] std = config.latentsStd();
        float[] inv = new float[std.length];
        for (int i = 0; i < std.length; i++) inv[i] = 1f / std[i];
        return inv;
    }

    /** {@code values} as a {@code [1, z, 1, 1, 1]} tensor like {@code like}. */
    private static Tensor channelVector(Tensor like, float[] values) {
        return like.backend().fromFloats(values, like.dtype(), 1, values.length, 1, 1, 1);
    }

    private static void checkInput(String op, String name, Tensor t, int channels) {
        if (t.rank() != 5 || t.size(1) != channels || t.size(2) < 1) {
            throw new ShapeException("AutoencoderKLWan." + op, name + " must be [B, " + channels + ", T≥1, H, W], got " + ShapeException.fmt(t.shape()));
        }
    }
}
