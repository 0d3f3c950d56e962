package dev.reel.server.engine;

import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.Frames;
import dev.reel.pipeline.GenerationCancelledException;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.StageTiming;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.server.jobs.VideoSpec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import javax.imageio.ImageIO;

/** A {@link VideoEngine} over one loaded {@link VideoGenerator}. */
final class PipelineEngine implements VideoEngine {
    private final VideoGenerator generator;

    PipelineEngine(VideoGenerator generator) { this.generator = generator; }

    @Override public Rendered render(VideoSpec spec, Path video, Path thumbnail, RenderMonitor monitor) {
        var request = PipelineModel.request(spec).output(video).outputFormat(OutputFormat.MP4).build();
        CancellationToken token = new CancellationToken();
        if (monitor.stopRequested()) token.cancel();
        ProgressListener progress = new ProgressListener() {
            private Duration last = Duration.ZERO;

            @Override public void onStep(int step, int total, Duration elapsed) {
                monitor.step(step, total, elapsed.minus(last));
                last = elapsed;
                // the pipeline checks the token before the next step: a stop takes effect right here
                if (monitor.stopRequested()) token.cancel();
            }

            @Override public void onStage(String stage) {
                if (monitor.stopRequested()) token.cancel();
            }
        };
        GenerationResult result;
        try {
            result = generator.generate(request, progress, token);
        } catch (GenerationCancelledException e) {
            throw new RenderCancelledException(e.getMessage());
        }
        for (StageTiming t : result.timings()) monitor.stage(t.stage(), t.duration());
        writeFirstFrame(result.frames(), thumbnail);
        return new Rendered(result.total());
    }

    /** Frame 0 as an 8-bit RGB PNG, written under a temporary name and moved into place. */
    private static void writeFirstFrame(Frames frames, Path file) {
        int w = frames.width(), h = frames.height();
        byte[] rgb = frames.rgb24(0);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[w * h];
        for (int i = 0; i < px.length; i++) px[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
        img.setRGB(0, 0, w, h, px, 0, w);
        Path tmp = file.resolveSibling("." + file.getFileName() + ".partial");
        try {
            ImageIO.write(img, "png", tmp.toFile());
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write thumbnail " + file, e);
        }
    }

    @Override public void close() { generator.close(); }
}
