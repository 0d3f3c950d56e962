package dev.reel.pipeline.media;

import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.pipeline.Frames;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Writes frames as 8-bit RGB PNGs: a folder of them, {@code frame_00000.png} …; the folder is filled under a temporary
 * name and moved into place when complete. An existing target folder is replaced only if it holds nothing but
 * such frames.
 */
public final class PngWriter {
    /** Writes every frame into the folder {@code dir}. */
    public void write(Frames frames, Path dir) {
        Path target = dir.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            FileOps.deleteTree(tmp);
            Files.createDirectories(tmp);
            // frames are independent and PNG's deflate is the cost: encoded in parallel, one frame per task
            java.util.stream.IntStream.range(0, frames.count()).parallel().forEach(t -> {
                try {
                    ImageIO.write(image(frames, t), "png", tmp.resolve(frameName(t)).toFile());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            if (Files.exists(target)) {
                try (Stream<Path> s = Files.list(target)) {
                    if (s.anyMatch(p -> !p.getFileName().toString().matches("frame_\\d{5}\\.png"))) {
                        throw new ReelException("png: " + target + " exists and holds other files; not replacing it");
                    }
                }
                FileOps.deleteTree(target);
            }
            FileOps.moveIntoPlace(tmp, target);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ReelException("png: cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            FileOps.deleteTreeQuietly(tmp);
        }
    }

    /** Writes frame {@code t} as one PNG file (e.g. a thumbnail), under a temporary name moved into place. */
    public void writeFrame(Frames frames, int t, Path file) {
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            ImageIO.write(image(frames, t), "png", tmp.toFile());
            FileOps.moveIntoPlace(tmp, target);
        } catch (IOException e) {
            throw new ReelException("png: cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort */ }
        }
    }

    /** The file name of frame {@code t}. */
    public static String frameName(int t) { return String.format("frame_%05d.png", t); }

    private static BufferedImage image(Frames frames, int t) {
        int w = frames.width(), h = frames.height();
        byte[] rgb = frames.rgb24(t);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
        }
        img.setRGB(0, 0, w, h, px, 0, w);
        return img;
    }
}
