package dev.reel.cli;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.models.wan.WanTransformerConfig;
import dev.reel.train.optim.AdamW;
import dev.reel.train.optim.LrSchedule;
import dev.reel.train.trainer.BatchSource;
import dev.reel.train.trainer.SigmaSampling;
import dev.reel.train.trainer.TrainOptions;
import dev.reel.train.trainer.Trainer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reel bench train}: times one full-finetune training step of the Wan DiT with seeded random weights (AdamW on
 * fp32 master weights, bf16 weights and activations, per-block activation checkpointing, clipping at 1), the same
 * step as {@code reel-train/src/test/python/wan_dit_train_reference.py step}, so both run side by side on one GPU.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Time one Wan DiT training step with random weights.")
public final class BenchTrainCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "Model folder (with transformer/config.json), transformer folder, or config.json.")
    Path config;

    @Option(names = "--frames", defaultValue = "33", description = "Video frames (4k+1). Default: ${DEFAULT-VALUE}.")
    int frames;

    @Option(names = "--height", defaultValue = "480", description = "Video height in pixels. Default: ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--width", defaultValue = "832", description = "Video width in pixels. Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--text-len", defaultValue = "512", description = "Text tokens. Default: ${DEFAULT-VALUE}.")
    int textLen;

    @Option(names = "--device", defaultValue = "cuda", description = "cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "bf16", description = "Weights and activations: bf16 or fp32. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--reps", defaultValue = "3", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
    int reps;

    @Option(names = "--layers", description = "Use only this many transformer blocks (quick runs).")
    Integer layers;

    @Option(names = "--batch-size", defaultValue = "1", description = "Clips per step. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--no-gradient-checkpointing", description = "Keep every block's activations (as the demo recipe trains).")
    boolean noCheckpointing;

    @Mixin ProfileOptions profile;

    @Spec CommandSpec spec;

    @Override public Integer call() {
        WanTransformerConfig read = WanTransformerConfig.fromConfig(ConfigJson.read(BenchDitCommand.configFile(config, "transformer")));
        WanTransformerConfig cfg = layers == null ? read : new WanTransformerConfig(read.patchSize(), read.numAttentionHeads(), read.attentionHeadDim(),
                read.inChannels(), read.outChannels(), read.textDim(), read.freqDim(), read.ffnDim(), layers, read.crossAttnNorm(), read.eps(), read.ropeMaxSeqLen());
        Device dev = Device.parse(device);
        DType dt = DType.parse(dtype);
        Backend be = Backends.of(dev);
        int lt = (frames - 1) / 4 + 1, lh = height / 8, lw = width / 8;
        String gpu = be.deviceName();
        WanTransformer3DModel model = WanTransformer3DModel.random(cfg, 42, dt, be);
        if (batchSize < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size " + batchSize + ": must be at least 1");
        Tensor latents = Scope.detach(BenchDitCommand.random(be, dt, 1, batchSize, cfg.inChannels(), lt, lh, lw));
        Tensor text = Scope.detach(BenchDitCommand.random(be, dt, 2, batchSize, textLen, cfg.textDim()));
        BatchSource data = new BatchSource() {
            @Override public Sample batch(int step, Backend backend) { return new Sample(latents, text); }
            @Override public Tensor emptyText(Backend backend) { return backend.zeros(dt, 1, textLen, cfg.textDim()); }
        };
        int steps = warmup + reps;
        int total = steps + (profile.steps > 0 ? profile.steps + 1 : 0);
        TrainOptions options = new TrainOptions(total, new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-5f, 0, total), 0.01f, 1f, !noCheckpointing, 0,
                new SigmaSampling(SigmaSampling.Kind.UNIFORM, 0, 1, 1), 0f, 0f, 0, false);
        Trainer trainer = new Trainer(model, Trainer.allParameters(model), AdamW.defaults(), options, data, be);
        System.out.printf(Locale.ROOT, "bench train: %d layers, batch %d of %d×%d×%d video → latents %d×%d×%d, text %d, %s on %s (%s)%s%n",
                cfg.numLayers(), batchSize, frames, height, width, lt, lh, lw, textLen, dt, dev, gpu, noCheckpointing ? ", no checkpointing" : "");
        be.resetPeakMemory();
        int[] step = {0};
        float[] loss = new float[1];
        double[] ms = BenchDitCommand.time(be, warmup, reps, () -> loss[0] = trainer.step(step[0]++).loss());
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        String peak = String.format(Locale.ROOT, ", \"peak_gib\": %.2f", be.memoryStats().peakBytes() / 1073741824.0);
        System.out.printf(Locale.ROOT, "{\"bench\": \"reel-wan-dit-train-step\", \"frames\": %d, \"height\": %d, \"width\": %d, \"dtype\": \"%s\", "
                        + "\"ms_median\": %.1f, \"ms_min\": %.1f, \"ms_max\": %.1f, \"loss\": %.4f%s, \"device\": \"%s\"}%n",
                frames, height, width, dt, sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1], loss[0], peak, gpu);
        // then, when asked, where a step's device time goes: steps after the timed ones, each op waited for
        java.io.PrintWriter out = new java.io.PrintWriter(System.out, true);
        for (int k = steps; k < total; k++) {
            profile.before(k, steps);
            trainer.step(k);
            profile.after(k, steps, out);
        }
        return 0;
    }
}
