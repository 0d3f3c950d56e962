package dev.reel.cli;

import dev.reel.models.loader.RandomPipeline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reel init}: a new pipeline folder with seeded random weights, from configs alone — where training from scratch starts. */
@Command(name = "init", sortOptions = false,
        description = {"Write a Diffusers pipeline folder with seeded random weights from a folder of configs (model_index.json and",
                "one config per component), to train from scratch with reel train-vae and reel train."})
final class InitCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--configs", required = true, paramLabel = "DIR", description = "pipeline folder of configs (weights, if any, are ignored)") Path configs;
    @Option(names = {"--output", "-o"}, required = true, paramLabel = "DIR", description = "the new pipeline folder") Path output;
    @Option(names = "--tokenizer", paramLabel = "DIR", description = "a tokenizer folder to use (e.g. the one reel dataset shapes fits to its captions)") Path tokenizer;
    @Option(names = "--seed", defaultValue = "0", description = "seeds the weights (default ${DEFAULT-VALUE})") long seed;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        RandomPipeline.Report r = RandomPipeline.write(configs, output, seed, tokenizer);
        r.parameters().forEach((k, n) -> out.printf(Locale.ROOT, "%-14s %,d parameters (seed %d)%n", k, n, seed));
        out.println("wrote " + output);
        return 0;
    }
}
