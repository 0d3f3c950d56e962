package dev.reel.cli;

import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.VideoGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Which pipeline a command loads: a Diffusers folder, its configs with random weights, or the demo. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Diffusers pipeline folder (model_index.json …), 'demo' or 'demo-random'")
    String model;

    @Mixin RandomWeightOptions random;

    /** Loads the pipeline. */
    VideoGenerator open(GeneratorOptions options, CommandLine cl) {
        if (ModelSource.isRandomDemo(model)) return VideoGenerator.demo(options);
        random.check(cl);
        return random.open(ModelSource.local(model), options);
    }
}
