package dev.reel.cli;

import dev.reel.pipeline.GeneratorOptions;
import dev.reel.train.data.Preprocessor;
import dev.reel.train.data.VideoList;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reel preprocess}: videos + captions → a Parquet file of VAE latents and text embeddings for training. */
@Command(name = "preprocess", sortOptions = false,
        description = {"Encode videos and their captions with a Wan2.1 pipeline's VAE and text encoder into Parquet rows for training.",
                "--videos is a folder (NAME.mp4 with its caption in NAME.txt) or a CSV with the columns file,caption."})
final class PreprocessCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--videos", required = true, paramLabel = "DIR_OR_CSV", description = "folder of NAME.mp4 + NAME.txt, or a CSV file,caption")
    Path videos;

    @Option(names = {"--output", "-o"}, required = true, paramLabel = "FILE.parquet", description = "the Parquet file to write (appears only when complete)")
    Path output;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Diffusers pipeline folder whose vae, text_encoder and tokenizer encode the data")
    Path model;

    @Option(names = "--frames", defaultValue = "17", description = "frames per clip, 4k+1 (default ${DEFAULT-VALUE})") int frames;
    @Option(names = "--fps", defaultValue = "0", description = "sampling rate in frames per second (default: each video's own)") double fps;
    @Option(names = "--height", defaultValue = "128", description = "clip height after resize and centre crop, a multiple of 16 (default ${DEFAULT-VALUE})") int height;
    @Option(names = "--width", defaultValue = "128", description = "clip width, a multiple of 16 (default ${DEFAULT-VALUE})") int width;
    @Option(names = "--max-sequence-length", defaultValue = "512", description = "text tokens the captions are encoded at (default ${DEFAULT-VALUE}, as Wan)") int maxSequenceLength;

    @Mixin DeviceOptions device;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Preprocessor.Options options = new Preprocessor.Options(frames, fps, height, width, maxSequenceLength);
        VideoList list = VideoList.read(videos);
        out.printf("%d videos with captions in %s%n", list.items().size(), videos);
        GeneratorOptions g = device.generatorOptions();
        try (Preprocessor p = Preprocessor.load(model, g.effectiveTextEncoderDtype(), g.backend())) {
            out.printf("model: %s (%s)%n", model, DeviceOptions.describe(g));
            Preprocessor.Report r = p.run(list, output, options, line -> { out.println(line); out.flush(); });
            out.printf("wrote %s: %d rows%n", output, r.rows());
            if (!r.skipped().isEmpty()) {
                out.printf("skipped %d:%n", r.skipped().size());
                r.skipped().forEach(s -> out.println("  " + s));
            }
            out.flush();
            return 0;
        }
    }
}
