package dev.reel.cli;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanVaeConfig;
import dev.reel.pipeline.VideoGeometry;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reel bench vae}: times one Wan VAE decode of random latents with seeded random weights. */
@Command(name = "vae", mixinStandardHelpOptions = true, description = "Time the Wan VAE decode with random weights.")
public final class BenchVaeCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Model folder (with vae/config.json), VAE folder, or config.json.")
    Path config;

    @Option(names = "--frames", defaultValue = "81", description = "Video frames (4k+1). Default: ${DEFAULT-VALUE}.")
    int frames;

    @Option(names = "--height", defaultValue = "480", description = "Video height. Default: ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--width", defaultValue = "832", description = "Video width. Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--device", defaultValue = "cuda", description = "cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "bf16", description = "bf16, fp16 or fp32. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed decodes first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--reps", defaultValue = "3", description = "Timed decodes. Default: ${DEFAULT-VALUE}.")
    int reps;

    @Option(names = "--profile", description = "Profile one more decode after the timed ones, op by op, and print its table.")
    boolean profile;

    @Override public Integer call() {
        WanVaeConfig cfg = WanVaeConfig.fromConfig(ConfigJson.read(BenchDitCommand.configFile(config, "vae")));
        Backend be = Backends.of(Device.parse(device));
        DType dt = DType.parse(dtype);
        int[] latent = VideoGeometry.ofVae(cfg).latentShape(frames, height, width);
        int lt = latent[2], lh = latent[3], lw = latent[4];
        String gpu = be.deviceName();
        System.out.printf(Locale.ROOT, "bench vae: decode [1, %d, %d, %d, %d] → %d×%d×%d video, %s on %s (%s)%n", cfg.zDim(), lt, lh, lw, frames, height, width, dt, be.device(), gpu);
        AutoencoderKLWan vae = AutoencoderKLWan.random(cfg, 7, dt, be);
        Tensor z = BenchDitCommand.random(be, dt, 3, 1, cfg.zDim(), lt, lh, lw);
        be.resetPeakMemory();
        double[] ms = BenchDitCommand.time(be, warmup, reps, () -> vae.decode(z));
        Arrays.sort(ms);
        String peak = String.format(Locale.ROOT, ", \"peak_gib\": %.2f", be.memoryStats().peakGiB());
        System.out.printf(Locale.ROOT, "{\"bench\": \"reel-wan-vae-decode\", \"frames\": %d, \"height\": %d, \"width\": %d, \"dtype\": \"%s\", \"ms_median\": %.1f, \"ms_min\": %.1f%s, \"device\": \"%s\"}%n",
                frames, height, width, dt, ms[ms.length / 2], ms[0], peak, gpu);
        if (profile) BenchDitCommand.profiled("a decode", be, () -> vae.decode(z));
        return 0;
    }

    public static void main(String[] args) {
        System.exit(ReelCli.withMessages(new CommandLine(new BenchVaeCommand()), "reel bench").execute(args));
    }
}
