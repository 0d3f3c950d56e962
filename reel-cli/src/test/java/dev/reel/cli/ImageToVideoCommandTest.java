package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.media.VideoProbe;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reel generate --image [--last-image]} and {@code reel info}'s task line, on tiny random-weight I2V pipelines. */
class ImageToVideoCommandTest {
    @TempDir Path dir;

    static String configs(String name) { return TestFixtures.locate().root().getParent().resolve("configs").resolve(name).toString(); }

    static String tokenizer() { return TestFixtures.locate().pipelineDir().resolve("tokenizer").toString(); }

    Path png(String name, int w, int h) throws Exception {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) im.setRGB(x, y, (x * 5 << 16) | (y * 3 << 8) | 90);
        Path p = dir.resolve(name);
        ImageIO.write(im, "png", p.toFile());
        return p;
    }

    @Test
    void animatesTheGivenFirstFrame() throws Exception {
        Path mp4 = dir.resolve("i2v.mp4");
        GenerateCommandTest.Run r = GenerateCommandTest.reel("generate", "--model", configs("wan2.1-i2v-tiny"), "--random-weights",
                "--tokenizer", tokenizer(), "--prompt", "a fox", "--image", png("first.png", 40, 60).toString(), "--height", "48",
                "--width", "32", "--frames", "5", "--steps", "2", "--max-sequence-length", "16", "--device", "cpu", "--output", mp4.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Wan2.1 i2v"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ImageConditioning ")), r.out());
        VideoProbe p = VideoProbe.of(mp4);
        assertEquals("h264", p.codec());
        assertEquals(5, p.frames());
        assertEquals(32, p.width());
        assertEquals(48, p.height());
    }

    @Test
    void firstAndLastFrameModelsTakeBoth() throws Exception {
        Path mp4 = dir.resolve("flf.mp4");
        GenerateCommandTest.Run r = GenerateCommandTest.reel("generate", "--model", configs("wan2.1-flf2v-tiny"), "--random-weights",
                "--tokenizer", tokenizer(), "--prompt", "a fox", "--image", png("a.png", 32, 48).toString(), "--last-image",
                png("b.png", 32, 48).toString(), "--height", "48", "--width", "32", "--frames", "5", "--steps", "1",
                "--max-sequence-length", "16", "--device", "cpu", "--output", mp4.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(5, VideoProbe.of(mp4).frames());
    }

    @Test
    void picturesThatDoNotFitAreOneLineEachBeforeAnyWeight() throws Exception {
        Path mp4 = dir.resolve("never.mp4");
        GenerateCommandTest.Run r = GenerateCommandTest.reel("generate", "--model", configs("wan2.1-i2v-tiny"), "--random-weights",
                "--tokenizer", tokenizer(), "--prompt", "a fox", "--height", "48", "--width", "32", "--frames", "5", "--output", mp4.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("reel generate: --image: this model (Wan2.1 i2v (image-to-video)) needs the first frame"), r.err());
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "not a picture");
        r = GenerateCommandTest.reel("generate", "--model", "demo-random", "--prompt", "a fox", "--image", text.toString(), "--output", mp4.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--image " + text) && r.err().contains("PNG or JPEG"), r.err());
        r = GenerateCommandTest.reel("generate", "--model", "demo-random", "--prompt", "a fox", "--image", png("x.png", 8, 8).toString(), "--output", mp4.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--image ") && r.err().contains("takes no image"), r.err());
        assertFalse(Files.exists(mp4));
    }

    /** The DiT benchmark feeds an image-to-video config its CLIP states (the I2V-14B one on the GPU; the tiny one here). */
    @Test
    void benchDitRunsImageToVideoConfigs() {
        GenerateCommandTest.Run r = GenerateCommandTest.reel("bench", "dit", "--config", configs("wan2.1-flf2v-tiny"), "--frames", "5",
                "--height", "32", "--width", "32", "--device", "cpu", "--dtype", "fp32", "--warmup", "0", "--reps", "1", "--image-tokens", "17");
        assertEquals(0, r.exit(), r.err() + r.out());   // its lines go to System.out (the GPU runs read them there)
    }

    @Test
    void infoNamesTheFamilyAndTask() {
        GenerateCommandTest.Run r = GenerateCommandTest.reel("info", "--model", configs("wan2.1-flf2v-tiny"));
        assertTrue(r.out().contains("task: Wan2.1 flf2v (first-and-last-frame-to-video): takes --image and --last-image"), r.out());
        r = GenerateCommandTest.reel("info", "--model", "demo-random");
        assertTrue(r.out().contains("task: Wan2.1 t2v (text-to-video): takes a prompt"), r.out());
    }
}
