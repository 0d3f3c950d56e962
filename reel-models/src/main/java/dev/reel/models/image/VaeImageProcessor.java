package dev.reel.models.image;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;

/**
 * Diffusers' {@code VaeImageProcessor.preprocess} of a picture for the VAE, with the Wan pipelines' settings: resized
 * to the video's {@code height × width} with Pillow's filter (Lanczos by default; the identity when the size already
 * matches), scaled to [0, 1] as {@code uint8 / 255} in float32, then to [−1, 1] as {@code 2x − 1}.
 */
public final class VaeImageProcessor {
    /** Diffusers' default {@code resample}. */
    public static final ResampleFilter DEFAULT_RESAMPLE = ResampleFilter.LANCZOS;

    private final ResampleFilter resample;

    public VaeImageProcessor(ResampleFilter resample) { this.resample = resample; }

    /** With Diffusers' defaults (Lanczos). */
    public static VaeImageProcessor defaults() { return new VaeImageProcessor(DEFAULT_RESAMPLE); }

    /** {@code image} → {@code [1, 3, height, width]} fp32 in [−1, 1] on {@code backend}. */
    public Tensor preprocess(RgbImage image, int height, int width, Backend backend) {
        RgbImage im = image.width() == width && image.height() == height ? image : image.resize(width, height, resample);
        float[] out = new float[3 * height * width];
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    float v = im.at(y, x, c) / 255f;   // pil_to_numpy: float32 division
                    out[c * plane + y * width + x] = 2f * v - 1f;
                }
            }
        }
        return backend.fromFloats(out, DType.F32, 1, 3, height, width);
    }
}
