package dev.reel.cli;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.FileOps;
import dev.reel.models.loader.PipelineFolder;
import dev.reel.core.ReelException;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.train.data.VideoList;
import dev.reel.train.optim.AdamW;
import dev.reel.train.optim.LrSchedule;
import dev.reel.train.trainer.LossLog;
import dev.reel.train.trainer.Trainer;
import dev.reel.train.vae.VaeCheckpoint;
import dev.reel.train.vae.VaeClips;
import dev.reel.train.vae.VaeLoss;
import dev.reel.train.vae.VaeTrainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reel train-vae}: trains a pipeline's Wan VAE on videos (L1 reconstruction + a small KL term), then measures
 * its latents' per-channel statistics and writes them into the VAE config, as a Wan VAE carries them.
 */
@Command(name = "train-vae", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a Wan VAE on videos (L1 reconstruction + small KL, optionally a gradient-difference term), then write OUTPUT: the pipeline with the trained vae/",
                "(latents_mean/latents_std measured on the videos), plus loss.csv and loss.png."})
public final class TrainVaeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Diffusers pipeline folder whose vae/ starts the training (e.g. from reel init)")
    Path model;
    @Option(names = "--videos", required = true, paramLabel = "DIR_OR_CSV", description = "folder of NAME.mp4 + NAME.txt, or a CSV with a file column (reel dataset shapes' captions.csv)")
    Path videos;
    @Option(names = {"--output", "-o"}, required = true, paramLabel = "DIR", description = "the new pipeline folder (the others' components copied), with loss.csv and loss.png")
    Path output;
    @Option(names = "--steps", defaultValue = "1000", description = "optimizer steps (default ${DEFAULT-VALUE})") int steps;
    @Option(names = "--batch-size", defaultValue = "8", description = "clip windows per step (default ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--frames", defaultValue = "5", description = "frames per training window, 4k+1 (default ${DEFAULT-VALUE})") int frames;
    @Option(names = "--image-every", defaultValue = "0", paramLabel = "N", description = "every N-th step trains on batch × frames single frames, for the first frame's path (0: never; default ${DEFAULT-VALUE})") int imageEvery;
    @Option(names = "--crop", defaultValue = "64", description = "side of the random square crop each window is cut to, a multiple of 8 (default ${DEFAULT-VALUE})") int crop;
    @Option(names = "--clip-frames", defaultValue = "17", description = "frames read from each video (default ${DEFAULT-VALUE})") int clipFrames;
    @Option(names = "--height", defaultValue = "128", description = "frame height the videos are read at (default ${DEFAULT-VALUE})") int height;
    @Option(names = "--width", defaultValue = "128", description = "frame width (default ${DEFAULT-VALUE})") int width;
    @Option(names = "--lr", defaultValue = "1e-3", description = "peak learning rate (default ${DEFAULT-VALUE})") float lr;
    @Option(names = "--lr-schedule", defaultValue = "cosine", description = "constant or cosine (default ${DEFAULT-VALUE})") String lrSchedule;
    @Option(names = "--warmup-steps", defaultValue = "50", description = "linear warm-up steps (default ${DEFAULT-VALUE})") int warmupSteps;
    @Option(names = "--kl-weight", defaultValue = "1e-4", description = "weight of the KL term (default ${DEFAULT-VALUE})") float klWeight;
    @Option(names = "--gdl-weight", defaultValue = "0", description = "weight of the gradient-difference term: L1 of the reconstruction's differences along time, height and width; weighs edges and motion, which plain L1 over flat frames underweights (0: off; default ${DEFAULT-VALUE})") float gdlWeight;
    @Option(names = "--decoder-only", description = {"train the decoder (and post_quant_conv) only: the encoder, the latents it makes and their",
            "latents_mean/std stay as --model has them, so a DiT trained on that VAE's latents stays valid"}) boolean decoderOnly;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "global gradient-norm clipping, 0: off (default ${DEFAULT-VALUE})") float maxGradNorm;
    @Option(names = "--stat-clips", defaultValue = "64", description = "videos whose latents give latents_mean/std (default ${DEFAULT-VALUE})") int statClips;
    @Option(names = "--time-limit", defaultValue = "0", paramLabel = "SECONDS", description = "stop after the step that passes this much training time (0: no limit)") double timeLimit;
    @Option(names = "--seed", defaultValue = "0", description = "seeds windows and noise (default ${DEFAULT-VALUE})") long seed;
    @Mixin ProfileOptions profile;

    @Option(names = "--device", description = "cpu, cuda or cuda:N (default: cuda when available, else cpu)") String device;
    @Option(names = "--dtype", description = "compute dtype, fp32 or bf16 (default: fp32 on cpu, bf16 on cuda; master weights are fp32)") String dtype;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(model.resolve("vae/config.json"))) throw new ReelException("--model " + model + " has no vae/config.json");
        PipelineFolder.requireNew(output);
        Device dev = device == null ? Backends.preferred(msg -> out.println("reel: " + msg)) : Device.parse(device);
        DType dt = dtype != null ? DType.parse(dtype) : dev.type() == Device.Type.CPU ? DType.F32 : DType.BF16;
        Backend backend = Backends.of(dev);
        var options = new VaeTrainer.Options(steps, batchSize, frames, crop, new LrSchedule(LrSchedule.parseKind(lrSchedule), lr, warmupSteps, steps),
                maxGradNorm, new VaeLoss(klWeight, gdlWeight), seed, imageEvery, decoderOnly);
        VideoList list = VideoList.read(videos);
        out.printf(Locale.ROOT, "reading %d videos at %d frames of %dx%d%n", list.items().size(), clipFrames, width, height);
        VaeClips clips = VaeClips.read(list, clipFrames, height, width, line -> out.println(line));
        AutoencoderKLWan vae = AutoencoderKLWan.load(model.resolve("vae"), dt, backend);
        VaeTrainer trainer = new VaeTrainer(vae, new AdamW(0.9f, 0.999f, 1e-8f, 0f), options, clips, backend);
        out.printf(Locale.ROOT, "train-vae: %,d parameters%s (%s on %s), %d clips, %d steps of %d windows of %d frames of %dx%d%n", vae.parameterCount(),
                decoderOnly ? String.format(Locale.ROOT, ", %,d of them trained (the decoder)", trainer.trainedValues()) : "",
                DeviceOptions.name(dt), dev, clips.size(), steps, batchSize, frames, crop, crop);
        Path work = output.toAbsolutePath().resolveSibling("." + output.getFileName() + ".partial");
        FileOps.deleteTreeQuietly(work);   // a crashed run's leftovers
        LossLog log = new LossLog(work, 0);
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            profile.before(s, 0);
            Trainer.StepResult r = trainer.step(s);
            profile.after(s, 0, out);
            log.add(r);
            double secs = (System.nanoTime() - t0) / 1e9, rate = (s + 1) / secs;
            boolean timeUp = timeLimit > 0 && secs >= timeLimit && s + 1 < steps;
            if ((s + 1) % 10 == 0 || s + 1 == steps || timeUp) {
                out.println(ProgressPrinter.trainingStep(s + 1, steps, r.loss(), r.lr(), rate));
                out.flush();
            }
            if (timeUp) {
                out.printf(Locale.ROOT, "time limit %.0f s reached after step %d of %d%n", timeLimit, s + 1, steps);
                break;
            }
        }
        profile.finish(out);   // a run shorter than the profile (a time limit) still reports it
        // a frozen encoder makes the same latents: its statistics are the ones the model came with
        float[][] stats = decoderOnly ? new float[][] {vae.config().latentsMean(), vae.config().latentsStd()} : trainer.latentStatistics(statClips);
        VaeCheckpoint.write(model, work, trainer.parameters(), stats[0], stats[1]);
        log.plot(work.resolve("loss.png"));
        VaeCheckpoint.moveIntoPlace(work, output);
        out.printf(Locale.ROOT, "latents_mean %s%nlatents_std %s%nwrote %s (%.0f s)%n", java.util.Arrays.toString(stats[0]),
                java.util.Arrays.toString(stats[1]), output, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
