package dev.reel.cli;

import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.VideoGenerator;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How a command that loads a pipeline folder may build it from its configs with seeded random weights instead. */
final class RandomWeightOptions {
    @Option(names = "--random-weights", description = "build the pipeline in --model from its configs with seeded random weights (benchmarks at real size)")
    boolean randomWeights;

    @Option(names = "--random-text-embeddings", description = "with --random-weights: skip the text encoder, use seeded random embeddings of its width (timing without UMT5-XXL's memory)")
    boolean randomTextEmbeddings;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "tokenizer folder to use when --model has none (with --random-weights)")
    Path tokenizer;

    /** Refuses the flags that only mean something with {@code --random-weights}. */
    void check(CommandLine cl) {
        if (randomTextEmbeddings && !randomWeights) throw new CommandLine.ParameterException(cl, "--random-text-embeddings needs --random-weights");
        if (tokenizer != null && !randomWeights) throw new CommandLine.ParameterException(cl, "--tokenizer needs --random-weights");
    }

    /** The components taken from elsewhere than {@code --model}'s folder: the {@code --tokenizer}, if given. */
    Map<String, Path> substitutes() {
        return tokenizer == null ? Map.of() : Map.of("tokenizer", tokenizer);
    }

    /** The pipeline in {@code dir}: random weights from its configs when asked, else its checkpoints. */
    VideoGenerator open(Path dir, GeneratorOptions options) {
        if (randomWeights) return VideoGenerator.randomWeights(dir, options, 0L, substitutes(), randomTextEmbeddings);
        return VideoGenerator.fromPretrained(dir, options);
    }
}
