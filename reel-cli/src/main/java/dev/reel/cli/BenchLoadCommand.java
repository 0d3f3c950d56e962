package dev.reel.cli;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;
import dev.reel.models.loader.LoadOptions;
import dev.reel.models.loader.PipelineComponents;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reel bench load}: times building a pipeline's components on a device, from their checkpoints (as {@code reel
 * generate --model DIR} loads them; the files in the page cache after the first repetition) or with seeded random
 * weights from the configs alone ({@code --random-weights}, drawn in place on a GPU). Each repetition ends with a
 * device synchronisation and frees everything it built, so it measures what a user waits for before the first step.
 */
@Command(name = "load", mixinStandardHelpOptions = true, description = "Time loading (or randomly initialising) a pipeline on a device.")
public final class BenchLoadCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Diffusers pipeline folder (model_index.json).")
    Path model;

    @Option(names = "--random-weights", description = "Seeded random weights from the configs instead of the checkpoints.")
    boolean randomWeights;

    @Option(names = "--omit", split = ",", paramLabel = "SLOT[,SLOT]", description = "Component slots not to build (e.g. tokenizer,text_encoder).")
    List<String> omit = List.of();

    @Option(names = "--device", defaultValue = "cuda", description = "cpu, cuda or cuda:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--dtype", defaultValue = "bf16", description = "Transformer dtype: bf16, fp16 or fp32. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--text-encoder-dtype", defaultValue = "bf16", description = "Text encoder dtype. Default: ${DEFAULT-VALUE}.")
    String textEncoderDtype;

    @Option(names = "--vae-dtype", defaultValue = "fp32", description = "VAE dtype. Default: ${DEFAULT-VALUE}.")
    String vaeDtype;

    @Option(names = "--reps", defaultValue = "3", description = "Repetitions (the first reads the files into the page cache). Default: ${DEFAULT-VALUE}.")
    int reps;

    @Override public Integer call() {
        if (reps < 1) throw new ReelException("--reps must be >= 1, got " + reps);
        LoadOptions options = new LoadOptions(Device.parse(device), DType.parse(dtype), DType.parse(textEncoderDtype), DType.parse(vaeDtype), SystemOptions.defaults());
        Backend be = options.backend();
        System.out.printf(Locale.ROOT, "bench load: %s, %s, omit %s, on %s (%s)%n", model, randomWeights ? "random weights" : "checkpoints", omit, device, be.deviceName());
        double[] s = new double[reps];
        long params = 0;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            try (PipelineComponents p = randomWeights ? PipelineComponents.random(model, options, 42, Map.of(), new HashSet<>(omit))
                    : PipelineComponents.load(model, options, new HashSet<>(omit))) {
                be.synchronize();
                s[i] = (System.nanoTime() - t0) / 1e9;
                params = p.parameterCount();
            }
            System.out.printf(Locale.ROOT, "run %d: %.2f s%n", i + 1, s[i]);
        }
        double best = java.util.Arrays.stream(s).min().orElseThrow();
        System.out.printf(Locale.ROOT, "{\"bench\": \"reel-load\", \"random_weights\": %b, \"parameters\": %d, \"s_first\": %.2f, \"s_best\": %.2f, \"device\": \"%s\"}%n",
                randomWeights, params, s[0], best, be.deviceName());
        return 0;
    }

    /** Runs {@code bench load} directly. */
    public static void main(String[] args) {
        System.exit(ReelCli.withMessages(new CommandLine(new BenchLoadCommand()), "reel bench").execute(args));
    }
}
