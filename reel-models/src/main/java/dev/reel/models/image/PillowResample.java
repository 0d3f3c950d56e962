package dev.reel.models.image;

/**
 * Pillow's {@code ImagingResample} for 8-bit images, reproduced so that resized pixels are the reference's bytes:
 * separable, the horizontal pass first into an 8-bit intermediate of only the rows the vertical pass reads, then
 * the vertical pass; per output pixel the kernel is centred at {@code (x + 0.5)·scale}, its support widened by
 * the scale when shrinking, its weights normalised to sum 1 and turned into 22-bit fixed point; sums start at
 * one half and are clipped to 0..255.
 */
final class PillowResample {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowResample() {}

    /** The per-output-pixel source window and fixed-point weights of one axis. */
    private record Coefficients(int[] min, int[] count, int[][] weights) {}

    private static Coefficients coefficients(int inSize, int outSize, ResampleFilter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int[] min = new int[outSize], count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
            double[] k = new double[Math.max(xmax, 0)];
            double ww = 0.0;
            for (int x = 0; x < k.length; x++) {
                k[x] = filter.weight((x + xmin - center + 0.5) * ss);
                ww += k[x];
            }
            int[] fixed = new int[k.length];
            for (int x = 0; x < k.length; x++) {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                fixed[x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            min[xx] = xmin;
            count[xx] = k.length;
            weights[xx] = fixed;
        }
        return new Coefficients(min, count, weights);
    }

    private static int clip8(long sum) {
        long v = sum >> PRECISION_BITS;
        return (int) Math.max(0, Math.min(255, v));
    }

    /**
     * Resizes interleaved 8-bit pixels {@code [h, w, c]} to {@code [outH, outW, c]}.
     */
    static byte[] resize(byte[] src, int w, int h, int c, int outW, int outH, ResampleFilter filter) {
        boolean horizontal = outW != w, vertical = outH != h;
        if (!horizontal && !vertical) return src.clone();
        Coefficients cv = coefficients(h, outH, filter);
        int first = cv.min[0], last = cv.min[outH - 1] + cv.count[outH - 1];
        byte[] rows = src;
        int rowsW = w, rowOffset = 0;
        if (horizontal) {
            Coefficients ch = coefficients(w, outW, filter);
            int tempH = last - first;
            byte[] temp = new byte[tempH * outW * c];
            for (int y = 0; y < tempH; y++) {
                int in = (y + first) * w * c;
                for (int xx = 0; xx < outW; xx++) {
                    int[] k = ch.weights[xx];
                    int xmin = ch.min[xx];
                    for (int ch0 = 0; ch0 < c; ch0++) {
                        long ss = 1L << (PRECISION_BITS - 1);
                        for (int x = 0; x < k.length; x++) ss += (long) (src[in + (x + xmin) * c + ch0] & 0xff) * k[x];
                        temp[(y * outW + xx) * c + ch0] = (byte) clip8(ss);
                    }
                }
            }
            rows = temp;
            rowsW = outW;
            rowOffset = first;   // the intermediate starts at the first source row the vertical pass reads
        }
        if (!vertical) return rows;
        byte[] out = new byte[outH * rowsW * c];
        for (int yy = 0; yy < outH; yy++) {
            int[] k = cv.weights[yy];
            int ymin = cv.min[yy] - rowOffset;
            for (int xx = 0; xx < rowsW; xx++) {
                for (int ch0 = 0; ch0 < c; ch0++) {
                    long ss = 1L << (PRECISION_BITS - 1);
                    for (int y = 0; y < k.length; y++) ss += (long) (rows[((y + ymin) * rowsW + xx) * c + ch0] & 0xff) * k[y];
                    out[(yy * rowsW + xx) * c + ch0] = (byte) clip8(ss);
                }
            }
        }
        return out;
    }
}
