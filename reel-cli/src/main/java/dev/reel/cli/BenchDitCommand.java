package dev.reel.cli;

import dev.reel.core.AttentionBackend;
import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.DeviceTimer;
import dev.reel.core.MemoryLevel;
import dev.reel.core.OpProfile;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import dev.reel.core.WeightStreamer;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.models.nn.DitHooks;
import dev.reel.models.wan.WanTransformerConfig;
import dev.reel.models.wan.WanVaeConfig;
import dev.reel.pipeline.VideoGeometry;
import dev.reel.pipeline.stages.LatentPreparation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reel bench dit}: times one Wan DiT forward with seeded random weights at a real size, the same
 * measurement as {@code shared/bench/torch_wan_dit.py} (bf16, text length 512, timestep 500), so both can run
 * side by side on one GPU. Prints one line per forward and a JSON summary: median/min/max ms, effective
 * TFLOP/s (the peer's FLOP count) and peak device memory.
 */
@Command(name = "dit", mixinStandardHelpOptions = true, description = "Time the Wan DiT forward with random weights.")
public final class BenchDitCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Model folder (with transformer/config.json), transformer folder, or config.json.")
    Path config;

    @Option(names = "--frames", defaultValue = "81", description = "Video frames (4k+1). Default: ${DEFAULT-VALUE}.")
    int frames;

    @Option(names = "--height", defaultValue = "480", description = "Video height in pixels. Default: ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--width", defaultValue = "832", description = "Video width in pixels. Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--text-len", defaultValue = "512", description = "Text tokens. Default: ${DEFAULT-VALUE}.")
    int textLen;

    @Option(names = "--device", defaultValue = "cuda", description = "cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "bf16", description = "bf16, fp16 or fp32. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed forwards first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--reps", defaultValue = "5", description = "Timed forwards. Default: ${DEFAULT-VALUE}.")
    int reps;

    @Option(names = "--image-tokens", defaultValue = "257", description = "Image-encoder tokens per picture, for image-to-video configs (ViT-H/14: 257). Default: ${DEFAULT-VALUE}.")
    int imageTokens;

    @Option(names = "--layers", description = "Use only this many transformer blocks (quick runs).")
    Integer layers;

    @Option(names = "--attention", defaultValue = "auto", description = "GPU attention kernel: auto, sdpa (cuDNN) or flash (Reel's own). Default: ${DEFAULT-VALUE}.")
    String attention;

    @Option(names = "--memory-level", split = ",", defaultValue = "0", paramLabel = "N[,N]",
            description = "Memory levels to time, in order, on one model (only 3, the blocks streamed from pinned host memory, changes the DiT; "
                    + "a level after 3 is not possible, as streaming cannot be undone). Default: ${DEFAULT-VALUE}.")
    List<Integer> memoryLevels;

    @Option(names = "--profile-first", description = "Profile the first forward (kernel compilation, plans, first use of each shape) and one after the timed ones, op by op, and print both tables.")
    boolean profileFirst;

    @Override public Integer call() {
        Path file = configFile(config, "transformer");
        WanTransformerConfig cfg = WanTransformerConfig.fromConfig(ConfigJson.read(file));
        if (layers != null) {
            cfg = new WanTransformerConfig(cfg.patchSize(), cfg.numAttentionHeads(), cfg.attentionHeadDim(), cfg.inChannels(), cfg.outChannels(),
                    cfg.textDim(), cfg.freqDim(), cfg.ffnDim(), layers, cfg.crossAttnNorm(), cfg.eps(), cfg.ropeMaxSeqLen(),
                    cfg.imageDim(), cfg.addedKvProjDim(), cfg.posEmbedSeqLen());
        }
        Device dev = Device.parse(device);
        DType dt = DType.parse(dtype);
        Backend be = Backends.of(dev, SystemOptions.defaults().withAttention(AttentionBackend.parse(attention)));
        VideoGeometry geometry = VideoGeometry.of(vaeConfig(file), cfg);
        int[] latent = geometry.latentShape(frames, height, width);
        int lt = latent[2], lh = latent[3], lw = latent[4];
        long tokens = geometry.tokens(frames, height, width);
        String gpu = be.deviceName();
        System.out.printf(Locale.ROOT, "bench dit: %s, %d layers, %d×%d×%d video → latents %d×%d×%d, %d tokens, text %d, %s on %s (%s), attention %s%n",
                file, cfg.numLayers(), frames, height, width, lt, lh, lw, tokens, textLen, dt, dev, gpu, attention);

        long t0 = System.nanoTime();
        WanTransformer3DModel model = WanTransformer3DModel.random(cfg, 42, dt, be);
        be.synchronize();
        System.out.printf(Locale.ROOT, "random weights: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        Tensor x = random(be, dt, 1, 1, cfg.inChannels(), lt, lh, lw);
        Tensor ctx = random(be, dt, 2, 1, textLen, cfg.textDim());
        int pictures = cfg.imagesPerSample();
        Tensor img = pictures == 0 ? null : random(be, dt, 3, pictures, imageTokens, cfg.imageDim());   // the CLIP states (image-to-video)
        float[] timestep = {500f};

        Runnable forward = () -> model.forward(x, timestep, ctx, img, DitHooks.NONE);
        if (profileFirst) profiled("first forward", be, forward);
        boolean streamed = false;
        for (int n : memoryLevels) {
            MemoryLevel level = MemoryLevel.of(n);
            if (streamed && !level.streamsTransformer()) throw new ReelException("--memory-level " + memoryLevels + ": level " + n + " after 3 (streaming cannot be undone)");
            if (level.streamsTransformer() && !streamed) {
                long t1 = System.nanoTime();
                model.streamBlocks(WeightStreamer::of);
                be.synchronize();
                streamed = true;
                System.out.printf(Locale.ROOT, "blocks to pinned host memory: %.1f s%n", (System.nanoTime() - t1) / 1e9);
            }
            be.resetPeakMemory();
            double[] ms = time(be, warmup, reps, forward);
            double[] sorted = ms.clone();
            Arrays.sort(sorted);
            double median = sorted[sorted.length / 2];
            double flops = flops(cfg, tokens, textLen, (long) pictures * imageTokens);
            String peak = String.format(Locale.ROOT, ", \"peak_gib\": %.2f", be.memoryStats().peakGiB());
            System.out.printf(Locale.ROOT, "{\"bench\": \"reel-wan-dit-forward\", \"memory_level\": %d, \"layers\": %d, \"frames\": %d, \"height\": %d, \"width\": %d, \"tokens\": %d, \"dtype\": \"%s\", "
                            + "\"ms_median\": %.1f, \"ms_min\": %.1f, \"ms_max\": %.1f, \"tflops\": %.1f%s, \"device\": \"%s\"}%n",
                    n, cfg.numLayers(), frames, height, width, tokens, dt, median, sorted[0], sorted[sorted.length - 1], flops / median / 1e9, peak, gpu);
        }
        if (profileFirst) profiled("a later forward", be, forward);
        model.close();
        return 0;
    }

    /** Runs {@code body} once under an {@link OpProfile} and prints its table. */
    static void profiled(String what, Backend be, Runnable body) {
        try (Scope s = Scope.open(); OpProfile p = new OpProfile()) {
            p.start();
            body.run();
            be.synchronize();
            p.stop();
            System.out.printf(Locale.ROOT, "profile of %s (each op waits for the device):%n%s", what, p.report(25));
        }
    }

    /**
     * Runs {@code body} {@code warmup + reps} times, each in its own scope, and returns the timed runs' milliseconds
     * ({@link Backend#timer()}: device events on a GPU, the wall clock after a synchronisation on the CPU). Prints one
     * line per run.
     */
    static double[] time(Backend be, int warmup, int reps, Runnable body) {
        double[] ms = new double[reps];
        for (int i = 0; i < warmup + reps; i++) {
            double t;
            try (Scope s = Scope.open(); DeviceTimer timer = be.timer()) {
                timer.start();
                body.run();
                t = timer.stopMs();
            }
            boolean timed = i >= warmup;
            if (timed) ms[i - warmup] = t;
            System.out.printf(Locale.ROOT, "run %d%s: %.1f ms%n", i + 1, timed ? "" : " (warm-up)", t);
        }
        return ms;
    }

    /** The PyTorch peer's FLOP count: the block GEMMs and both attentions (embeddings and norms left out). */
    static double flops(WanTransformerConfig c, long l, long lc) { return flops(c, l, lc, 0); }

    /** As {@link #flops(WanTransformerConfig, long, long)}, plus the image keys/values and attention over {@code li} image tokens. */
    static double flops(WanTransformerConfig c, long l, long lc, long li) {
        double d = c.innerDim(), ff = c.ffnDim();
        return c.numLayers() * (8 * l * d * d + 4.0 * l * l * d + 4 * l * d * d + 4 * lc * d * d + 4.0 * l * lc * d + 4 * l * d * ff
                + 4 * li * d * d + 4.0 * l * li * d);
    }

    /** Seeded standard-normal values of {@code shape} (the pipeline's latent noise), stored as {@code dt}. */
    static Tensor random(Backend be, DType dt, long seed, int... shape) {
        return be.fromFloats(LatentPreparation.gaussian(seed, Math.toIntExact(Tensor.numel(shape))), dt, shape);
    }

    /**
     * The VAE config beside a transformer config in a pipeline folder ({@code ../vae/config.json}), or Wan2.1's
     * VAE (Diffusers' defaults) when the transformer's config stands alone.
     */
    static WanVaeConfig vaeConfig(Path transformerConfig) {
        Path dir = transformerConfig.toAbsolutePath().getParent();
        Path vae = dir == null || dir.getParent() == null ? null : dir.getParent().resolve("vae").resolve("config.json");
        return vae != null && Files.isRegularFile(vae) ? WanVaeConfig.fromConfig(ConfigJson.read(vae)) : WanVaeConfig.wan21();
    }

    /**
     * The config file named by {@code --config}: the file itself, {@code config.json} in the folder, or the
     * {@code component} sub-folder's {@code config.json} when the folder is a whole pipeline.
     */
    static Path configFile(Path config, String component) {
        if (Files.isRegularFile(config)) return config;
        Path own = config.resolve("config.json");
        return Files.isRegularFile(own) ? own : config.resolve(component).resolve("config.json");
    }

    /** Runs {@code bench dit} directly (also reachable as {@code reel bench dit} once {@code bench} exists). */
    public static void main(String[] args) {
        System.exit(ReelCli.withMessages(new CommandLine(new BenchDitCommand()), "reel bench").execute(args));
    }
}
