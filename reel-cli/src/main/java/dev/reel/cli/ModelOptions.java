package dev.reel.cli;

import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.VideoGenerator;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Which pipeline a command loads: a Diffusers folder, its configs with random weights, or the demo. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Diffusers pipeline folder (model_index.json …), 'demo' or 'demo-random'")
    String model;

    @Option(names = "--random-weights", description = "build the pipeline in --model from its configs with seeded random weights (benchmarks at real size)")
    boolean randomWeights;

    @Option(names = "--random-text-embeddings", description = "with --random-weights: skip the text encoder, use seeded random embeddings of its width (timing without UMT5-XXL's memory)")
    boolean randomTextEmbeddings;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "tokenizer folder to use when --model has none (with --random-weights)")
    Path tokenizer;

    /** Loads the pipeline. */
    VideoGenerator open(GeneratorOptions options, CommandLine cl) {
        if (ModelSource.isRandomDemo(model)) return VideoGenerator.demo(options);
        Path dir = ModelSource.local(model);
        if (randomWeights) return VideoGenerator.randomWeights(dir, options, 0L, tokenizer == null ? Map.of() : Map.of("tokenizer", tokenizer), randomTextEmbeddings);
        if (randomTextEmbeddings) throw new CommandLine.ParameterException(cl, "--random-text-embeddings needs --random-weights");
        return VideoGenerator.fromPretrained(dir, options);
    }
}
