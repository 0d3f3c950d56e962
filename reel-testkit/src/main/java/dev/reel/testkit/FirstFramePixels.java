package dev.reel.testkit;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * A fixture case's picture (a PNG at the video's size) as Wan2.2 TI2V's first frame: {@code [1, 3, H, W]} with
 * {@code 2·(v/255) − 1} per 8-bit sample in float32, as Diffusers' {@code VaeImageProcessor} makes it (no resize at
 * the same size).
 */
final class FirstFramePixels {
    private FirstFramePixels() {}

    static Tensor read(Path png, int height, int width) {
        BufferedImage img;
        try {
            img = ImageIO.read(png.toFile());
        } catch (IOException e) {
            throw new ReelException("cannot read the fixture picture " + png + ": " + e.getMessage(), e);
        }
        if (img == null) throw new ReelException(png + " is not an image ImageIO reads");
        if (img.getWidth() != width || img.getHeight() != height) {
            throw new ReelException(png + " is " + img.getWidth() + "×" + img.getHeight() + ", the case's video " + width + "×" + height);
        }
        float[] out = new float[3 * height * width];
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = img.getRGB(x, y);
                for (int c = 0; c < 3; c++) {
                    float v = ((rgb >> (16 - 8 * c)) & 0xff) / 255f;
                    out[c * plane + y * width + x] = 2f * v - 1f;
                }
            }
        }
        return Backends.cpu().fromFloats(out, DType.F32, 1, 3, height, width);
    }
}
