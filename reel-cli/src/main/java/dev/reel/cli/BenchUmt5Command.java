package dev.reel.cli;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.models.t5.Umt5Config;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reel bench umt5}: times the UMT5 encoder on random token ids with seeded random weights. */
@Command(name = "umt5", mixinStandardHelpOptions = true, description = "Time the UMT5 text encoder with random weights.")
public final class BenchUmt5Command implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Model folder (with text_encoder/config.json), encoder folder, or config.json.")
    Path config;

    @Option(names = "--tokens", defaultValue = "512", description = "Sequence length. Default: ${DEFAULT-VALUE}.")
    int tokens;

    @Option(names = "--device", defaultValue = "cuda", description = "cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "bf16", description = "bf16, fp16 or fp32. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--reps", defaultValue = "5", description = "Timed runs. Default: ${DEFAULT-VALUE}.")
    int reps;

    @Override public Integer call() {
        Path file = BenchDitCommand.configFile(config, "text_encoder");
        Umt5Config cfg = Umt5Config.read(file);
        Backend be = Backends.of(Device.parse(device));
        DType dt = DType.parse(dtype);
        String gpu = be.deviceName();
        System.out.printf(Locale.ROOT, "bench umt5: %s, %d layers, d_model %d, %d tokens, %s on %s (%s)%n", file, cfg.numLayers(), cfg.dModel(), tokens, dt, be.device(), gpu);
        long t0 = System.nanoTime();
        UMT5EncoderModel model = UMT5EncoderModel.random(cfg, 11, dt, be);
        be.synchronize();
        System.out.printf(Locale.ROOT, "random weights: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        SplittableRandom r = new SplittableRandom(5);
        int[] ids = new int[tokens], mask = new int[tokens];
        for (int i = 0; i < tokens; i++) {
            ids[i] = 1 + r.nextInt(cfg.vocabSize() - 1);
            mask[i] = 1;
        }
        be.resetPeakMemory();
        double[] ms = BenchDitCommand.time(be, warmup, reps, () -> model.forward(ids, mask, 1, tokens));
        Arrays.sort(ms);
        String peak = String.format(Locale.ROOT, ", \"peak_gib\": %.2f", be.memoryStats().peakGiB());
        System.out.printf(Locale.ROOT, "{\"bench\": \"reel-umt5-encode\", \"tokens\": %d, \"dtype\": \"%s\", \"ms_median\": %.1f, \"ms_min\": %.1f%s, \"device\": \"%s\"}%n",
                tokens, dt, ms[ms.length / 2], ms[0], peak, gpu);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(ReelCli.withMessages(new CommandLine(new BenchUmt5Command()), "reel bench").execute(args));
    }
}
