package dev.reel.cli;

import dev.reel.pipeline.Frames;
import dev.reel.pipeline.media.VideoReader;
import dev.reel.pipeline.metrics.VideoMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code reel compare}: PSNR and SSIM of one video against a reference. */
@Command(name = "compare", description = {"PSNR and SSIM (Wang et al., 11x11 Gaussian window, sigma 1.5) of VIDEO against REFERENCE,",
        "on RGB and on luma, per frame and over the video (values in [0,1]; PSNR over the video from the mean squared error)."})
final class CompareCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REFERENCE", description = "the reference video (e.g. uncached)") Path reference;
    @Parameters(index = "1", paramLabel = "VIDEO", description = "the video to score") Path video;
    @Option(names = "--per-frame", description = "also print every frame's values") boolean perFrame;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Frames a = VideoReader.read(reference), b = VideoReader.read(video);
        VideoMetrics.Comparison c = VideoMetrics.compare(a, b);
        out.printf("%d frames of %dx%d%n", c.frames(), a.width(), a.height());
        if (perFrame) {
            out.println("frame  PSNR-RGB  PSNR-Y   SSIM-RGB  SSIM-Y");
            for (int t = 0; t < c.frames(); t++) {
                out.printf("%5d  %8.3f  %7.3f  %8.5f  %7.5f%n", t, c.psnrRgb()[t], c.psnrLuma()[t], c.ssimRgb()[t], c.ssimLuma()[t]);
            }
        }
        out.printf("PSNR  RGB %.3f dB, luma %.3f dB%n", c.psnrRgbMean(), c.psnrLumaMean());
        out.printf("SSIM  RGB %.5f, luma %.5f%n", c.ssimRgbMean(), c.ssimLumaMean());
        out.flush();
        return 0;
    }
}
