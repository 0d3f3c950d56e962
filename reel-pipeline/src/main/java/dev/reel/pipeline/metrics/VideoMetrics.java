package dev.reel.pipeline.metrics;

import dev.reel.core.ShapeException;
import dev.reel.pipeline.Frames;

/**
 * Full-reference video quality, as FlowCache's and EasyCache's {@code video_metrics.py} report it for step caches:
 * PSNR and SSIM of a video against a reference, per frame and over the video, on RGB and on luma. Values are in
 * [0, 1] (data range 1). SSIM is Wang et al. (2004): an 11×11 Gaussian window with σ = 1.5, {@code K1 = 0.01},
 * {@code K2 = 0.03}, averaged over the window positions that fit inside the frame (no padding) and, for RGB, over
 * the three channels. Luma is BT.601 {@code Y = 0.299 R + 0.587 G + 0.114 B}, the weights of the yuv420p videos Reel
 * writes.
 */
public final class VideoMetrics {
    /** SSIM window side. */
    static final int WINDOW = 11;
    /** SSIM window's Gaussian σ. */
    static final double SIGMA = 1.5;
    private static final double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
    private static final double[] LUMA = {0.299, 0.587, 0.114};

    private VideoMetrics() {}

    /**
     * The metrics of {@code video} against {@code reference}: same frame count and size.
     *
     * @throws ShapeException if they differ in shape or a frame is smaller than the SSIM window
     */
    public static Comparison compare(Frames reference, Frames video) {
        if (reference.count() != video.count() || reference.height() != video.height() || reference.width() != video.width()) {
            throw new ShapeException("compare", "the videos differ in shape: " + describe(reference) + " vs " + describe(video));
        }
        if (reference.height() < WINDOW || reference.width() < WINDOW) {
            throw new ShapeException("compare", "frames of " + reference.width() + "x" + reference.height() + " are smaller than SSIM's " + WINDOW + "x" + WINDOW + " window");
        }
        int n = reference.count(), h = reference.height(), w = reference.width();
        double[] psnrRgb = new double[n], psnrLuma = new double[n], ssimRgb = new double[n], ssimLuma = new double[n];
        double mseRgbSum = 0, mseLumaSum = 0;
        double[] kernel = gaussian();
        for (int t = 0; t < n; t++) {
            double[][] a = channels(reference, t), b = channels(video, t);
            double mseRgb = 0, ssim = 0;
            for (int c = 0; c < 3; c++) {
                mseRgb += mse(a[c], b[c]) / 3;
                ssim += ssim(a[c], b[c], h, w, kernel) / 3;
            }
            double[] ya = luma(a), yb = luma(b);
            double mseLuma = mse(ya, yb);
            psnrRgb[t] = psnr(mseRgb);
            psnrLuma[t] = psnr(mseLuma);
            ssimRgb[t] = ssim;
            ssimLuma[t] = ssim(ya, yb, h, w, kernel);
            mseRgbSum += mseRgb;
            mseLumaSum += mseLuma;
        }
        return new Comparison(psnrRgb, psnrLuma, ssimRgb, ssimLuma, psnr(mseRgbSum / n), psnr(mseLumaSum / n), mean(ssimRgb), mean(ssimLuma));
    }

    /**
     * Per-frame values and the video's means.
     *
     * @param psnrRgb   PSNR of each frame over its RGB values, dB (∞ where identical)
     * @param psnrLuma  PSNR of each frame's luma
     * @param ssimRgb   SSIM of each frame, mean of the channels'
     * @param ssimLuma  SSIM of each frame's luma
     * @param psnrRgbMean  the video's PSNR: from the mean squared error over all frames (as {@code video_metrics.py})
     * @param psnrLumaMean the same on luma
     * @param ssimRgbMean  mean over frames
     * @param ssimLumaMean mean over frames
     */
    public record Comparison(double[] psnrRgb, double[] psnrLuma, double[] ssimRgb, double[] ssimLuma,
                             double psnrRgbMean, double psnrLumaMean, double ssimRgbMean, double ssimLumaMean) {
        /** Frames compared. */
        public int frames() { return psnrRgb.length; }
    }

    /** PSNR for data range 1: {@code 10·log10(1 / mse)}, ∞ for 0. */
    static double psnr(double mse) {
        return mse == 0 ? Double.POSITIVE_INFINITY : -10 * Math.log10(mse);
    }

    private static double mse(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) { double d = a[i] - b[i]; s += d * d; }
        return s / a.length;
    }

    /** The normalised 1-D Gaussian; the 2-D window is its outer product. */
    static double[] gaussian() {
        double[] g = new double[WINDOW];
        double sum = 0;
        for (int i = 0; i < WINDOW; i++) {
            double x = i - WINDOW / 2;
            g[i] = Math.exp(-x * x / (2 * SIGMA * SIGMA));
            sum += g[i];
        }
        for (int i = 0; i < WINDOW; i++) g[i] /= sum;
        return g;
    }

    /** Mean SSIM over the valid window positions, the local statistics by a separable Gaussian filter. */
    private static double ssim(double[] x, double[] y, int h, int w, double[] g) {
        int oh = h - WINDOW + 1, ow = w - WINDOW + 1;
        double[] xx = new double[x.length], yy = new double[x.length], xy = new double[x.length];
        for (int i = 0; i < x.length; i++) { xx[i] = x[i] * x[i]; yy[i] = y[i] * y[i]; xy[i] = x[i] * y[i]; }
        double[] mx = filter(x, h, w, g), my = filter(y, h, w, g);
        double[] sxx = filter(xx, h, w, g), syy = filter(yy, h, w, g), sxy = filter(xy, h, w, g);
        double total = 0;
        for (int i = 0; i < oh * ow; i++) {
            double ux = mx[i], uy = my[i];
            double vx = sxx[i] - ux * ux, vy = syy[i] - uy * uy, cov = sxy[i] - ux * uy;
            total += (2 * ux * uy + C1) * (2 * cov + C2) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
        }
        return total / (oh * ow);
    }

    /** Valid 2-D filtering by {@code g} along rows then columns: {@code (h−10) × (w−10)} outputs. */
    private static double[] filter(double[] img, int h, int w, double[] g) {
        int ow = w - WINDOW + 1, oh = h - WINDOW + 1;
        double[] rows = new double[h * ow];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < ow; c++) {
                double s = 0;
                for (int k = 0; k < WINDOW; k++) s += g[k] * img[r * w + c + k];
                rows[r * ow + c] = s;
            }
        }
        double[] out = new double[oh * ow];
        for (int r = 0; r < oh; r++) {
            for (int c = 0; c < ow; c++) {
                double s = 0;
                for (int k = 0; k < WINDOW; k++) s += g[k] * rows[(r + k) * ow + c];
                out[r * ow + c] = s;
            }
        }
        return out;
    }

    /** Frame {@code t}'s three channel planes. */
    private static double[][] channels(Frames f, int t) {
        int px = f.height() * f.width();
        double[][] ch = new double[3][px];
        float[] rgb = f.rgb();
        int base = t * px * 3;
        for (int i = 0; i < px; i++) for (int c = 0; c < 3; c++) ch[c][i] = rgb[base + 3 * i + c];
        return ch;
    }

    private static double[] luma(double[][] ch) {
        double[] y = new double[ch[0].length];
        for (int i = 0; i < y.length; i++) y[i] = LUMA[0] * ch[0][i] + LUMA[1] * ch[1][i] + LUMA[2] * ch[2][i];
        return y;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        return s / v.length;
    }

    private static String describe(Frames f) { return f.count() + " frames of " + f.width() + "x" + f.height(); }
}
