package dev.reel.cli;

import dev.reel.train.dataset.ShapesDataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reel dataset}: synthetic training datasets. */
@Command(name = "dataset", description = "Make synthetic training datasets.", subcommands = DatasetCommand.Shapes.class)
final class DatasetCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    /** {@code reel dataset shapes}. */
    @Command(name = "shapes", sortOptions = false,
            description = {"Render clips of coloured shapes that move, bounce, grow, shrink or spin, with varied captions.",
                    "Writes DIR/clips/*.mp4, DIR/captions.csv (file,caption,… for reel preprocess) and DIR/heldout.csv",
                    "(colour×shape×motion triples no clip shows, for evaluation). The same seed gives the same dataset."})
    static final class Shapes implements Callable<Integer> {
        private static final ShapesDataset.Options D = ShapesDataset.Options.defaults();

        @Spec CommandLine.Model.CommandSpec spec;

        @Option(names = {"--output", "-o"}, required = true, paramLabel = "DIR", description = "a new folder for the dataset") Path output;
        @Option(names = "--count", description = "clips (default 200)") Integer count;
        @Option(names = "--frames", description = "frames per clip, 4k+1 (default 17)") Integer frames;
        @Option(names = "--height", description = "frame height (default 128)") Integer height;
        @Option(names = "--width", description = "frame width (default 128)") Integer width;
        @Option(names = "--fps", description = "frame rate (default 16)") Integer fps;
        @Option(names = "--seed", description = "seed of the whole dataset (default 0)") Long seed;
        @Option(names = "--held-out", paramLabel = "FRACTION", description = "share of colour×shape×motion triples kept out (default 0.1)") Double heldOut;
        @Option(names = "--second-object", paramLabel = "FRACTION", description = "share of clips with a second, still object (default 0.2)") Double second;

        @Override public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            var o = new ShapesDataset.Options(count != null ? count : D.count(), frames != null ? frames : D.frames(), height != null ? height : D.height(),
                    width != null ? width : D.width(), fps != null ? fps : D.fps(), seed != null ? seed : D.seed(),
                    heldOut != null ? heldOut : D.heldOutFraction(), second != null ? second : D.secondObjectRate());
            ShapesDataset ds = new ShapesDataset(o);
            out.printf("%d clips of %d frames at %dx%d, seed %d; %d colour×shape×motion triples for training, %d held out%n", o.count(), o.frames(),
                    o.width(), o.height(), o.seed(), ds.training().size(), ds.heldOut().size());
            ds.write(output, line -> { out.println(line); out.flush(); });
            out.printf("wrote %s (clips/, captions.csv, heldout.csv)%n", output);
            return 0;
        }
    }
}
