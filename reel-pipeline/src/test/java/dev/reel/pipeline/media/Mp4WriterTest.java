package dev.reel.pipeline.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.ReelException;
import dev.reel.pipeline.Frames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Mp4WriterTest {
    /** A moving diagonal gradient, so the encoder sees real motion. */
    static Frames synthetic(int t, int h, int w) {
        float[] v = new float[t * h * w * 3];
        for (int f = 0; f < t; f++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int i = ((f * h + y) * w + x) * 3;
                    v[i] = ((x + 4 * f) % w) / (float) w;
                    v[i + 1] = y / (float) h;
                    v[i + 2] = f / (float) t;
                }
        return new Frames(t, h, w, v);
    }

    @Test
    void writesH264Yuv420pThatFfmpegDecodes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("clip.mp4");
        new Mp4Writer(16, "ultrafast", 18).write(synthetic(9, 48, 64), out);

        VideoProbe p = VideoProbe.of(out);
        assertEquals("h264", p.codec());
        assertEquals("yuv420p", p.pixelFormat());
        assertEquals(9, p.frames());
        assertEquals(64, p.width());
        assertEquals(48, p.height());
        assertEquals(16.0, p.fps(), 1e-6);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "only the finished file remains (no temporary file)");
        }
    }

    @Test
    void replacesAnExistingFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("clip.mp4");
        Files.writeString(out, "old");
        new Mp4Writer(8, "veryfast", 30).write(synthetic(5, 32, 32), out);
        assertEquals(5, VideoProbe.of(out).frames());
    }

    @Test
    void rejectsBadSettingsAndOddSizes(@TempDir Path dir) {
        assertTrue(assertThrows(ReelException.class, () -> new Mp4Writer(16, "warp", 18)).getMessage().contains("preset"));
        assertTrue(assertThrows(ReelException.class, () -> new Mp4Writer(16, "ultrafast", 52)).getMessage().contains("crf"));
        Path out = dir.resolve("odd.mp4");
        assertThrows(ReelException.class, () -> new Mp4Writer(16, "ultrafast", 18).write(synthetic(1, 31, 32), out));
        assertTrue(Files.notExists(out));
    }

    @Test
    void pngFramesGoIntoAFolder(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("frames");
        new PngWriter().write(synthetic(5, 16, 16), out);
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(5, s.count());
        }
        var img = javax.imageio.ImageIO.read(out.resolve(PngWriter.frameName(4)).toFile());
        assertEquals(16, img.getWidth());
        // frame 4 of 5: blue = 4/5 → 204
        assertEquals(204, img.getRGB(0, 0) & 0xff);
    }

    @Test
    void oneFrameGoesIntoOnePngFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("thumb.png");
        new PngWriter().writeFrame(synthetic(5, 16, 24), 4, out);
        var img = javax.imageio.ImageIO.read(out.toFile());
        assertEquals(24, img.getWidth());
        assertEquals(16, img.getHeight());
        assertEquals(204, img.getRGB(0, 0) & 0xff);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file is left beside it");
        }
    }
}
