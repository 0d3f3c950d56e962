package dev.reel.pipeline;

import dev.reel.core.ShapeException;

/**
 * Decoded video frames, {@code [count, height, width, 3]} RGB floats in [0, 1], row-major (the layout of
 * Diffusers' {@code output_type="np"}).
 *
 * @param count  number of frames
 * @param height frame height in pixels
 * @param width  frame width in pixels
 * @param rgb    {@code count·height·width·3} values in [0, 1]
 */
public record Frames(int count, int height, int width, float[] rgb) {
    public Frames {
        if ((long) count * height * width * 3 != rgb.length) {
            throw new ShapeException("frames", rgb.length + " values do not fill [" + count + ", " + height + ", " + width + ", 3]");
        }
    }

    /** Frame {@code t} as packed 8-bit RGB ({@code height·width·3} bytes), rounding to nearest. */
    public byte[] rgb24(int t) {
        if (t < 0 || t >= count) throw new ShapeException("frames", "frame " + t + " is outside [0, " + count + ")");
        int n = height * width * 3;
        byte[] out = new byte[n];
        int base = t * n;
        for (int i = 0; i < n; i++) {
            float v = rgb[base + i];
            int b = Math.round((v < 0f ? 0f : v > 1f ? 1f : v) * 255f);
            out[i] = (byte) b;
        }
        return out;
    }

    /** These frames as an 8-bit video holds them (each value rounded to the nearest of 256 levels), for comparing what a viewer sees. */
    public Frames eightBit() {
        float[] q = new float[rgb.length];
        int n = height * width * 3;
        for (int t = 0; t < count; t++) {
            byte[] b = rgb24(t);
            for (int i = 0; i < n; i++) q[t * n + i] = (b[i] & 0xff) / 255f;
        }
        return new Frames(count, height, width, q);
    }

    /** A VAE's output {@code [C=3, F, H, W]} in [−1, 1] (one video of the batch) as frames {@code [F, H, W, 3]} in [0, 1], clamped. */
    public static Frames fromVae(float[] video, int channels, int frames, int height, int width) {
        if (channels != 3) throw new ShapeException("frames", "the VAE produced " + channels + " channels, expected 3 (RGB)");
        int plane = height * width, perChannel = frames * plane;
        float[] rgb = new float[frames * plane * 3];
        for (int c = 0; c < 3; c++) {
            for (int f = 0; f < frames; f++) {
                int src = c * perChannel + f * plane, dst = f * plane * 3 + c;
                for (int p = 0; p < plane; p++) {
                    float x = Math.min(1f, Math.max(-1f, video[src + p])) * 0.5f + 0.5f;
                    rgb[dst + 3 * p] = x;
                }
            }
        }
        return new Frames(frames, height, width, rgb);
    }
}
