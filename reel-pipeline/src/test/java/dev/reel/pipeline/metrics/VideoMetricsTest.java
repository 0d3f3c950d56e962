package dev.reel.pipeline.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.ShapeException;
import dev.reel.pipeline.Frames;
import dev.reel.pipeline.media.Mp4Writer;
import dev.reel.pipeline.media.VideoReader;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VideoMetrics} against known cases and a direct (non-separable) float64 SSIM written here. */
class VideoMetricsTest {
    @TempDir Path dir;

    /** A smooth random video (blurred noise plus a gradient), values kept inside [0.1, 0.9]. */
    static Frames video(int n, int h, int w, long seed) {
        Random r = new Random(seed);
        float[] rgb = new float[n * h * w * 3];
        for (int i = 0; i < rgb.length; i++) {
            int x = (i / 3) % w, y = (i / 3 / w) % h;
            rgb[i] = (float) (0.5 + 0.25 * Math.sin(x * 0.3 + y * 0.2 + (i % 3)) + 0.15 * (r.nextDouble() - 0.5));
        }
        return new Frames(n, h, w, rgb);
    }

    static Frames perturbed(Frames f, double amount, long seed) {
        Random r = new Random(seed);
        float[] rgb = f.rgb().clone();
        for (int i = 0; i < rgb.length; i++) rgb[i] += (float) (amount * r.nextGaussian());
        return new Frames(f.count(), f.height(), f.width(), rgb);
    }

    @Test
    void identicalVideosHaveInfinitePsnrAndSsimOne() {
        Frames a = video(3, 24, 32, 1);
        VideoMetrics.Comparison c = VideoMetrics.compare(a, a);
        assertEquals(Double.POSITIVE_INFINITY, c.psnrRgbMean());
        assertEquals(Double.POSITIVE_INFINITY, c.psnrLuma()[2]);
        assertEquals(1.0, c.ssimRgbMean(), 1e-12);
        assertEquals(1.0, c.ssimLumaMean(), 1e-12);
    }

    @Test
    void aConstantOffsetGivesTheAnalyticPsnr() {
        Frames a = video(2, 16, 20, 2);
        double d = 0.05;
        float[] rgb = a.rgb().clone();
        for (int i = 0; i < rgb.length; i++) rgb[i] += (float) d;
        VideoMetrics.Comparison c = VideoMetrics.compare(a, new Frames(2, 16, 20, rgb));
        double expected = -10 * Math.log10(d * d);   // 26.02 dB; luma too, since the weights sum to 1
        assertEquals(expected, c.psnrRgbMean(), 1e-4);
        assertEquals(expected, c.psnrRgb()[1], 1e-4);
        assertEquals(expected, c.psnrLumaMean(), 1e-4);
    }

    @Test
    void ssimMatchesADirectFloat64Implementation() {
        Frames a = video(2, 23, 29, 3), b = perturbed(a, 0.04, 4);
        VideoMetrics.Comparison c = VideoMetrics.compare(a, b);
        for (int t = 0; t < 2; t++) {
            double rgb = 0;
            for (int ch = 0; ch < 3; ch++) rgb += directSsim(plane(a, t, ch), plane(b, t, ch), 23, 29) / 3;
            assertEquals(rgb, c.ssimRgb()[t], 1e-10);
            assertEquals(directSsim(lumaPlane(a, t), lumaPlane(b, t), 23, 29), c.ssimLuma()[t], 1e-10);
            double mse = 0;
            for (int ch = 0; ch < 3; ch++) {
                double[] x = plane(a, t, ch), y = plane(b, t, ch);
                for (int i = 0; i < x.length; i++) mse += (x[i] - y[i]) * (x[i] - y[i]) / (3.0 * x.length);
            }
            assertEquals(10 * Math.log10(1 / mse), c.psnrRgb()[t], 1e-9);
        }
        assertTrue(c.ssimRgbMean() < 1 && c.ssimRgbMean() > 0.5, "ssim " + c.ssimRgbMean());
    }

    @Test
    void shapesMustAgree() {
        var e = assertThrows(ShapeException.class, () -> VideoMetrics.compare(video(2, 16, 16, 1), video(3, 16, 16, 1)));
        assertTrue(e.getMessage().contains("2 frames of 16x16 vs 3 frames of 16x16"), e.getMessage());
        assertThrows(ShapeException.class, () -> VideoMetrics.compare(video(1, 8, 16, 1), video(1, 8, 16, 1)));
    }

    @Test
    void readsBackAnMp4CloseToWhatWasWritten() {
        Frames a = video(5, 32, 48, 5);
        Path file = dir.resolve("a.mp4");
        new Mp4Writer(16, "ultrafast", 0).write(a, file);
        Frames back = VideoReader.read(file);
        assertEquals(5, back.count());
        VideoMetrics.Comparison c = VideoMetrics.compare(a, back);
        // crf 0 keeps luma nearly exact; 4:2:0 halves the chroma of this per-pixel colour noise
        assertTrue(c.psnrLumaMean() > 35, "luma psnr " + c.psnrLumaMean());
        assertTrue(c.psnrRgbMean() > 20, "rgb psnr " + c.psnrRgbMean());
    }

    /** SSIM as Wang et al. write it: per window position, Gaussian-weighted statistics summed directly. */
    static double directSsim(double[] x, double[] y, int h, int w) {
        double[][] win = new double[11][11];
        double sum = 0;
        for (int i = 0; i < 11; i++) for (int j = 0; j < 11; j++) {
            win[i][j] = Math.exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * 1.5 * 1.5));
            sum += win[i][j];
        }
        double c1 = 1e-4, c2 = 9e-4, total = 0;
        int count = 0;
        for (int r = 0; r + 11 <= h; r++) for (int c = 0; c + 11 <= w; c++) {
            double mx = 0, my = 0;
            for (int i = 0; i < 11; i++) for (int j = 0; j < 11; j++) {
                double g = win[i][j] / sum;
                mx += g * x[(r + i) * w + c + j];
                my += g * y[(r + i) * w + c + j];
            }
            double vx = 0, vy = 0, cov = 0;
            for (int i = 0; i < 11; i++) for (int j = 0; j < 11; j++) {
                double g = win[i][j] / sum, dx = x[(r + i) * w + c + j] - mx, dy = y[(r + i) * w + c + j] - my;
                vx += g * dx * dx; vy += g * dy * dy; cov += g * dx * dy;
            }
            total += (2 * mx * my + c1) * (2 * cov + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
            count++;
        }
        return total / count;
    }

    static double[] plane(Frames f, int t, int ch) {
        int px = f.height() * f.width();
        double[] p = new double[px];
        for (int i = 0; i < px; i++) p[i] = f.rgb()[t * px * 3 + 3 * i + ch];
        return p;
    }

    static double[] lumaPlane(Frames f, int t) {
        double[] r = plane(f, t, 0), g = plane(f, t, 1), b = plane(f, t, 2), y = new double[r.length];
        for (int i = 0; i < y.length; i++) y[i] = 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i];
        return y;
    }
}
